/**
 * A market on a real chain for the prover and validator tests: anvil with Cairn deployed,
 * a real dataset (erasure-coded and tree-hashed by node/src/core, its blocks in a real
 * FsBlockstore), registered providers, a client's request for it, and provider "nodes"
 * (SQLite, transaction manager, prover) that fill its slots as the sales side will.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type Hex, type PublicClient, toHex } from "viem";
import {
  cairnContracts,
  createChainClient,
  createChainWatcher,
  type TransactionManager,
} from "../../src/chain/index.ts";
import {
  BLOCK_SIZE,
  createCellHasher,
  type DatasetManifest,
  requestIdOf,
  slotIdOf,
  uploadData,
} from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import {
  buildSlotProof,
  createProver,
  createValidator,
  type HeldSlot,
  HeldSlotStore,
  MARKET_SCHEMA,
  type MarketTiming,
  type Prover,
  readMarketTiming,
  type Validator,
} from "../../src/market/index.ts";
import type { Registry } from "../../src/metrics/index.ts";
import { createBlockstore, type FsBlockstore } from "../../src/store/blocks/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import {
  metadataStore,
  type RestartableDevnet,
  startRestartableDevnet,
  tempFolder,
} from "../chain/helpers.ts";
import { registerWithOffer, send, testOffer } from "../helpers/contracts.ts";
import { startNodeSender } from "../helpers/node-sender.ts";

export interface MarketRequest {
  requestId: Hex;
  slotIds: Hex[];
  manifest: DatasetManifest;
  manifestCid: string;
  slotBlockRoots: Uint8Array[];
  endsAt: number;
  proofProbability: number;
}

export interface TestMarket {
  /** Its RPC can be halted and resumed (an endpoint restart). */
  devnet: RestartableDevnet;
  client: PublicClient;
  timing: MarketTiming;
  blockstore: FsBlockstore;
  folder: string;
  market: Hex;
  request: MarketRequest;
  /** The block number a transaction sent now is mined in. */
  nextBlock(): Promise<bigint>;
  /** Mines so that the next transaction lands in `block`. */
  landAt(block: bigint): Promise<void>;
  stop(): Promise<void>;
}

const OFFER = testOffer({ pricePerBytePerSecond: 100n, minDuration: 3600n });

/**
 * The devnet, `providers` registered and active, and a request of n = k + m slots over a
 * real 600 KiB dataset (k = 2, m = 1: two stripes, so 512 KiB slots), each slot proving
 * in a period with probability 1 / `proofProbability` (default: every period).
 */
export async function startTestMarket(
  providers: readonly string[],
  { proofProbability = 1 }: { proofProbability?: number } = {},
): Promise<TestMarket> {
  const devnet = await startRestartableDevnet();
  const folder = tempFolder("cairn-market-");
  const client = createChainClient(devnet.rpcUrl, devnet.chain.id);
  const blockstore = createBlockstore({}, { root: join(folder.path, "blocks") });
  await blockstore.start();
  const market = devnet.contracts.StorageMarket.address;
  const timing = await readMarketTiming(client, market);

  const upload = await uploadData([new Uint8Array(randomBytes(600 * 1024))], {
    onBlock: async ({ cid, bytes }) => {
      await blockstore.put(cid, bytes);
    },
    erasure: { k: 2, m: 1, cellSize: timing.cellSize },
  });
  if (!upload.manifest || !upload.manifestCid || !upload.slotBlockRoots) throw new Error("no manifest");
  const { manifest } = upload;

  for (const role of providers) await registerWithOffer(devnet, role, OFFER);
  await devnet.increaseTime(61);

  const clientAccount = devnet.account("client1");
  const now = (await client.getBlock()).timestamp;
  const nonce = toHex(randomBytes(32));
  const slotSize = BigInt(manifest.stripes * BLOCK_SIZE);
  const duration = 86_400n;
  const price = 1_000n;
  const slots = manifest.slots.length;
  await send(devnet, clientAccount, {
    address: market,
    abi: storageMarketAbi,
    functionName: "requestStorage",
    args: [
      {
        nonce,
        cid: toHex(upload.manifestCid.bytes),
        slotRoots: manifest.slots.map((s) => toHex(s.root)),
        providers: [],
        slotSize,
        dataSlots: manifest.k,
        duration,
        pricePerBytePerSecond: price,
        collateralPerByte: 10n ** 11n,
        proofProbability,
        expiry: now + 3_600n,
      },
    ],
    value: BigInt(slots) * slotSize * price * duration,
  });
  const requestId = requestIdOf(clientAccount.address, nonce);
  const info = await client.readContract({
    address: market,
    abi: storageMarketAbi,
    functionName: "requestInfo",
    args: [requestId],
  });

  const nextBlock = async () => (await client.getBlockNumber()) + 1n;
  return {
    devnet,
    client,
    timing,
    blockstore,
    folder: folder.path,
    market,
    request: {
      requestId,
      slotIds: manifest.slots.map((_, i) => slotIdOf(requestId, i)),
      manifest,
      manifestCid: upload.manifestCid.toString(),
      slotBlockRoots: upload.slotBlockRoots,
      endsAt: Number(info.endsAt),
      proofProbability,
    },
    nextBlock,
    async landAt(block) {
      const next = await nextBlock();
      if (block < next) throw new Error(`block ${block} is already mined (next is ${next})`);
      if (block > next) await devnet.mine(Number(block - next));
    },
    async stop() {
      await blockstore.stop();
      await devnet.stop();
      folder.remove();
    },
  };
}

/** One provider's node, as far as proving needs: its database, transaction manager and prover. */
export interface ProviderNode {
  role: string;
  address: Hex;
  metadata: MetadataStore;
  sender: TransactionManager;
  held: HeldSlotStore;
  metrics: Registry;
  lines: string[];
  prover: Prover | undefined;
  /** Starts its prover, reading the chain through `publicClient` (the market's by default). */
  startProver(publicClient?: PublicClient): Promise<Prover>;
  stopProver(): Promise<void>;
  stop(): Promise<void>;
}

/** A provider's node with its own SQLite file (reopened by a later call with the same file: a restart). */
export async function providerNode(
  market: TestMarket,
  role: string,
  dbFile = `${role}.sqlite`,
): Promise<ProviderNode> {
  const metadata = metadataStore(join(market.folder, dbFile), [MARKET_SCHEMA]);
  const { sender, metrics, logger, lines } = await startNodeSender(market.devnet, market.client, role);
  const node: ProviderNode = {
    role,
    address: sender.address,
    metadata,
    sender,
    held: new HeldSlotStore(metadata),
    metrics,
    lines,
    prover: undefined,
    async startProver(publicClient = market.client) {
      const prover = createProver(
        {
          publicClient,
          sender,
          metadata,
          blocks: market.blockstore,
          logger: logger.child("market:prover"),
          metrics,
        },
        { market: market.market, pollIntervalMs: 25 },
      );
      await prover.start();
      node.prover = prover;
      return prover;
    },
    async stopProver() {
      await node.prover?.stop();
      node.prover = undefined;
    },
    async stop() {
      await node.stopProver();
      sender.stop();
      metadata.stop();
    },
  };
  return node;
}

/**
 * What the sales side will do: record the held slot, and fill it with a first proof for
 * the period the transaction lands in (mined where the seed is readable and the period
 * does not end before the transaction's block).
 */
export async function fillSlot(market: TestMarket, node: ProviderNode, index: number): Promise<HeldSlot> {
  const { request, timing } = market;
  const slotId = slotIdOf(request.requestId, index);
  const slotManifest = request.manifest.slots[index];
  const blockRoots = request.slotBlockRoots[index];
  if (slotManifest === undefined || blockRoots === undefined) throw new Error(`no slot ${index}`);
  let held = node.held.get(slotId);
  held ??= node.held.add({
    slotId,
    requestId: request.requestId,
    slotIndex: index,
    datasetCid: request.manifestCid,
    slotRoot: toHex(slotManifest.root),
    slotSize: request.manifest.stripes * BLOCK_SIZE,
    blockSize: BLOCK_SIZE,
    cellSize: timing.cellSize,
    blockRoots,
    blockCids: slotManifest.blocks.map(String),
    proofProbability: request.proofProbability,
    endsAt: request.endsAt,
  });
  // The simulation runs at the head and the transaction lands in the next block: both in
  // one period, past its first block.
  const next = await market.nextBlock();
  const offset = next % timing.periodBlocks;
  if (offset < 2n) await market.landAt(next - offset + 2n);
  const head = await market.client.getBlockNumber();
  const period = (head + 1n) / timing.periodBlocks;
  const seed = await market.client.readContract({
    address: market.market,
    abi: storageMarketAbi,
    functionName: "seedOf",
    args: [period],
  });
  const proof = await buildSlotProof(
    held,
    node.held.blockCids(slotId),
    seed,
    period,
    market.timing.proofSamples,
    market.blockstore,
    await createCellHasher(),
  );
  const { receipt } = await node.sender.send(
    {
      address: market.market,
      abi: storageMarketAbi,
      functionName: "fillSlot",
      args: [slotId, held.slotRoot, proof],
    },
    { label: "fillSlot" },
  );
  node.held.markFilled(slotId, receipt.blockNumber / timing.periodBlocks);
  return node.held.mustGet(slotId);
}

/** A validator node: its own database, watcher, transaction manager and validator. */
export async function validatorNode(market: TestMarket, role = "validator") {
  const metadata = metadataStore(join(market.folder, `${role}.sqlite`), [MARKET_SCHEMA]);
  const { sender, metrics, logger, lines } = await startNodeSender(market.devnet, market.client, role);
  const watcher = createChainWatcher(
    { publicClient: market.client, metadata, logger: logger.child("chain:watcher"), metrics },
    {
      name: "market",
      contracts: cairnContracts(market.devnet.chain.id, market.devnet.contracts, ["StorageMarket"]),
      confirmations: 1,
      pollIntervalMs: 25,
    },
  );
  const validator: Validator = createValidator(
    {
      publicClient: market.client,
      sender,
      metadata,
      watcher,
      logger: logger.child("market:validator"),
      metrics,
    },
    { market: market.market, pollIntervalMs: 25 },
  );
  watcher.start();
  await validator.start();
  return {
    address: sender.address,
    validator,
    watcher,
    metrics,
    lines,
    metadata,
    async stop() {
      await validator.stop();
      await watcher.stop();
      sender.stop();
      metadata.stop();
    },
  };
}

/** The period the test request started in (all its slots filled). */
export async function requestStartPeriod(market: TestMarket): Promise<bigint> {
  const info = await market.client.readContract({
    address: market.market,
    abi: storageMarketAbi,
    functionName: "requestInfo",
    args: [market.request.requestId],
  });
  return BigInt(info.startPeriod);
}

/** The period the next transaction lands in. */
export async function nextPeriod(market: TestMarket): Promise<bigint> {
  return (await market.nextBlock()) / market.timing.periodBlocks;
}

/** Mines to `period`'s second block: its seed is readable and proofs can be built. */
export async function enterPeriod(market: TestMarket, period: bigint): Promise<void> {
  const target = period * market.timing.periodBlocks + 1n;
  const head = await market.client.getBlockNumber();
  if (head < target) await market.devnet.mine(Number(target - head));
}
