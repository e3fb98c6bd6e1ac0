/**
 * The purchasing tests' world: anvil with Cairn deployed, six providers registered through
 * the node's own `ProviderAdmin` and transaction managers (each with a real HTTP slot
 * endpoint published as its `/http` multiaddr and a real libp2p peer id), a client node's
 * block store and SQLite, datasets stored through the node's upload path, and the
 * purchasing service over all of it.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { type Hex, parseEther, type PublicClient, toHex } from "viem";
import { storeUpload } from "../../src/api/upload.ts";
import {
  createChainClient,
  createTransactionManager,
  type TransactionManager,
} from "../../src/chain/index.ts";
import { apiUrlToMultiaddr, encodeOffer, type OfferInput } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import type { Logger } from "../../src/logging/index.ts";
import { createProviderAdmin } from "../../src/provider/index.ts";
import {
  createPurchasing,
  PURCHASING_SCHEMA,
  type Purchasing,
  type PurchasingInit,
  type ProviderSource,
  registryScanProviderSource,
} from "../../src/purchasing/index.ts";
import { createBlockstore, type FsBlockstore } from "../../src/store/blocks/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import { captureLogger, metadataStore, tempFolder } from "../chain/helpers.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import {
  type FillQueue,
  type MarketParams,
  type ProviderEndpoint,
  startProviderEndpoint,
} from "./provider-endpoint.ts";

/** Six providers over three regions and two infrastructures, at prices 1 to 6 wei/B/s. */
const PROVIDERS: ReadonlyArray<{ role: string; price: bigint; region: string; infrastructure: string }> = [
  { role: "provider1", price: 1n, region: "eu-west", infrastructure: "hetzner" },
  { role: "provider2", price: 2n, region: "eu-west", infrastructure: "aws" },
  { role: "provider3", price: 3n, region: "us-east", infrastructure: "hetzner" },
  { role: "provider4", price: 4n, region: "us-east", infrastructure: "aws" },
  { role: "provider5", price: 5n, region: "ap-south", infrastructure: "hetzner" },
  { role: "provider6", price: 6n, region: "ap-south", infrastructure: "aws" },
];

export const OFFER_MAX_DURATION = 30n * 86_400n;
export const OFFER_MIN_DURATION = 60n;

export interface PurchasingWorld {
  devnet: Devnet;
  client: PublicClient;
  folder: string;
  blockstore: FsBlockstore;
  metadataPath: string;
  metadata: MetadataStore;
  sender: TransactionManager;
  endpoints: ProviderEndpoint[];
  market: MarketParams;
  logger: Logger;
  logLines: string[];
  /** Stores `bytes` erasure-coded k + m through the node's upload path; returns the manifest CID. */
  storeDataset(bytes: Uint8Array, k: number, m: number): Promise<string>;
  /** A purchasing service over the world's stores (or a reopened metadata store), by default quoting from a registry scan. */
  purchasing(
    init?: Partial<PurchasingInit>,
    metadata?: MetadataStore,
    providers?: ProviderSource,
  ): Purchasing;
  /** Reopens the client's SQLite (a node restart). */
  reopenMetadata(): MetadataStore;
  /** The client's requests on-chain (StorageRequested events). */
  requestsOnChain(): Promise<Array<{ requestId: Hex; escrow: bigint; request: Record<string, unknown> }>>;
  stop(): Promise<void>;
}

/**
 * Stores `bytes` erasure-coded k + m through the node's upload path (`POST /api/v1/data`'s
 * `storeUpload`) and records the dataset; returns the manifest CID.
 */
export async function storeDataset(
  blockstore: FsBlockstore,
  metadata: MetadataStore,
  bytes: Uint8Array,
  k: number,
  m: number,
): Promise<string> {
  const stored = await storeUpload(
    (async function* () {
      yield bytes;
    })(),
    blockstore,
    { limit: 2 ** 30, erasure: { k, m }, preEncrypted: false, workers: 1 },
  );
  const { result } = stored;
  const cid = result.manifestCid ?? result.root;
  metadata.datasets.put(
    { cid, rootCid: result.root, manifestCid: result.manifestCid, size: result.size },
    stored.blocks,
  );
  return cid.toString();
}

async function peerIdBytes(): Promise<Hex> {
  return toHex(peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toMultihash().bytes);
}

export async function startPurchasingWorld(): Promise<PurchasingWorld> {
  const devnet = await startDevnet();
  const folder = tempFolder("cairn-purchasing-");
  const client = createChainClient(devnet.rpcUrl, devnet.chain.id);
  const { logger, lines } = captureLogger("purchasing", "info");
  const blockstore = createBlockstore({}, { root: join(folder.path, "blocks") });
  await blockstore.start();
  const metadataPath = join(folder.path, "client.sqlite");
  let metadata = metadataStore(metadataPath, [PURCHASING_SCHEMA]);
  const managers: TransactionManager[] = [];
  const manager = async (role: string) => {
    const m = createTransactionManager(
      { publicClient: client, account: devnet.account(role), logger: logger.child(`tx:${role}`) },
      { chainId: devnet.chain.id, pollIntervalMs: 25 },
    );
    await m.start();
    managers.push(m);
    return m;
  };
  const sender = await manager("client1");

  const marketAddress = devnet.contracts.StorageMarket.address;
  const config = (await client.readContract({
    address: marketAddress,
    abi: storageMarketAbi,
    functionName: "config",
  })) as { periodBlocks: bigint; proofSamples: number; cellSize: number };
  const market: MarketParams = {
    market: marketAddress,
    periodBlocks: BigInt(config.periodBlocks),
    proofSamples: Number(config.proofSamples),
    cellSize: Number(config.cellSize),
  };
  const queue: FillQueue = { tail: Promise.resolve() };
  const endpoints: ProviderEndpoint[] = [];
  for (const p of PROVIDERS) {
    const providerSender = await manager(p.role);
    const endpoint = await startProviderEndpoint(devnet, client, providerSender, market, queue);
    endpoints.push(endpoint);
    const offer: OfferInput = {
      pricePerBytePerSecond: p.price,
      maxCollateralPerByte: 1_000n,
      minDuration: OFFER_MIN_DURATION,
      maxDuration: OFFER_MAX_DURATION,
      capacity: 2n ** 30n,
      region: p.region,
      infrastructure: p.infrastructure,
    };
    await createProviderAdmin(
      { sender: providerSender, publicClient: client },
      { registry: devnet.contracts.ProviderRegistry.address },
    ).register({
      offer: encodeOffer(offer),
      stake: parseEther("2"),
      peerId: await peerIdBytes(),
      multiaddrs: ["/ip4/127.0.0.1/tcp/4001", apiUrlToMultiaddr(endpoint.url)],
    });
  }
  await devnet.increaseTime(61);

  const providers = registryScanProviderSource(client, {
    registry: devnet.contracts.ProviderRegistry.address,
    fromBlock: BigInt(devnet.contracts.ProviderRegistry.blockNumber),
  });

  return {
    devnet,
    client,
    folder: folder.path,
    blockstore,
    metadataPath,
    get metadata() {
      return metadata;
    },
    sender,
    endpoints,
    market,
    logger,
    logLines: lines,
    storeDataset: (bytes, k, m) => storeDataset(blockstore, metadata, bytes, k, m),
    purchasing(init = {}, store = metadata, source = providers) {
      return createPurchasing(
        { sender, publicClient: client, metadata: store, blockstore, providers: source, logger },
        {
          market: marketAddress,
          followIntervalMs: 100,
          runningIntervalMs: 200,
          pushRetryMs: 50,
          ...init,
        },
      );
    },
    reopenMetadata() {
      metadata.stop();
      metadata = metadataStore(metadataPath, [PURCHASING_SCHEMA]);
      return metadata;
    },
    async requestsOnChain() {
      const logs = await client.getContractEvents({
        address: marketAddress,
        abi: storageMarketAbi,
        eventName: "StorageRequested",
        fromBlock: 0n,
      });
      return logs.map((log) => {
        const args = log.args as { requestId: Hex; escrow: bigint; request: Record<string, unknown> };
        return { requestId: args.requestId, escrow: args.escrow, request: args.request };
      });
    },
    async stop() {
      for (const m of managers) m.stop();
      await Promise.allSettled(endpoints.map((e) => e.stop()));
      metadata.stop();
      await blockstore.stop();
      await devnet.stop();
      folder.remove();
    },
  };
}

/** A few hundred KiB of random bytes. */
export function randomData(kib: number): Uint8Array {
  return new Uint8Array(randomBytes(kib * 1024));
}
