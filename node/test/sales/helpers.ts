/**
 * Provider nodes that sell storage on a real chain: anvil with Cairn deployed, each node
 * with its own SQLite file, block store, transaction manager, `Sales` and a real HTTP
 * server carrying the slot routes (built from the API server module: its error handler
 * and route context), optionally a chain watcher and a sales agent. A client's dataset is
 * built by node/src/core (erasure coding, slot roots), and requests are real transactions.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { type Address, type Hex, type PublicClient, toHex, zeroAddress } from "viem";
import { ApiServer, ERROR_SCHEMA, type RouteContext } from "../../src/api/server.ts";
import { providerRoutes } from "../../src/api/routes/provider.ts";
import { slotRoutes } from "../../src/api/routes/slots.ts";
import {
  type ChainWatcher,
  cairnContracts,
  createChainClient,
  createChainWatcher,
  type TransactionManager,
} from "../../src/chain/index.ts";
import {
  apiUrlToMultiaddr,
  BLOCK_SIZE,
  type DatasetManifest,
  requestIdOf,
  uploadData,
} from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { MARKET_SCHEMA } from "../../src/market/index.ts";
import type { Registry } from "../../src/metrics/index.ts";
import { createProviderAdmin, type ProviderAdmin } from "../../src/provider/index.ts";
import {
  type AvailabilityPolicy,
  createSales,
  createSalesAgent,
  HttpSlotSource,
  registryLocator,
  SALES_SCHEMA,
  type Sales,
  type SalesAgent,
  SlotCollector,
} from "../../src/sales/index.ts";
import { createBlockstore, type FsBlockstore } from "../../src/store/blocks/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import { captureLogger, metadataStore } from "../chain/helpers.ts";
import { registerWithOffer, send, testOffer } from "../helpers/contracts.ts";
import type { Devnet } from "../helpers/devnet.ts";
import { startNodeSender } from "../helpers/node-sender.ts";

// Re-exported for the tests elsewhere (test/system, test/security) that take it from here.
export { until } from "../helpers/until.ts";

export const OFFER = testOffer({ pricePerBytePerSecond: 10n, minDuration: 60n });

export const POLICY: AvailabilityPolicy = {
  space: 2n ** 34n,
  minPricePerBytePerSecond: 10n,
  maxDuration: 30n * 86_400n,
  maxCollateralPerByte: 10n ** 12n,
  takeOpenSlots: true,
  takeRepairs: true,
};

/**
 * Mines a block every `ms` while tests run, as a chain with a block time does: fills wait
 * for a block where the period's seed is readable and the period does not end.
 */
export function blockTicker(devnet: Devnet, ms = 250): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await devnet.mine(1).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** A client's erasure-coded dataset: its manifest and each slot's bytes. */
export interface ClientDataset {
  manifest: DatasetManifest;
  manifestCid: string;
  cid: Hex;
  slots: Uint8Array[];
  slotSize: bigint;
}

export async function clientDataset(
  size: number,
  k: number,
  m: number,
  cellSize: number,
): Promise<ClientDataset> {
  const blocks = new Map<string, Uint8Array>();
  const upload = await uploadData([new Uint8Array(randomBytes(size))], {
    onBlock: ({ cid, bytes }) => {
      blocks.set(cid.toString(), bytes);
    },
    erasure: { k, m, cellSize },
  });
  const { manifest, manifestCid } = upload;
  if (manifest === undefined || manifestCid === undefined) throw new Error("no manifest");
  const slots = manifest.slots.map((slot) => {
    const bytes = new Uint8Array(slot.blocks.length * BLOCK_SIZE);
    slot.blocks.forEach((cid, i) => {
      const block = blocks.get(cid.toString());
      if (block === undefined) throw new Error(`block ${cid} not produced`);
      bytes.set(block, i * BLOCK_SIZE);
    });
    return bytes;
  });
  return {
    manifest,
    manifestCid: manifestCid.toString(),
    cid: toHex(manifestCid.bytes),
    slots,
    slotSize: BigInt(manifest.stripes * BLOCK_SIZE),
  };
}

/** Registers `role` with the registry, publishing `apiUrl` as its /http multiaddr. */
export async function registerProvider(devnet: Devnet, role: string, apiUrl: string): Promise<void> {
  await registerWithOffer(devnet, role, OFFER, [apiUrlToMultiaddr(apiUrl)]);
}

/** The client's request for `dataset`, with `providers[i]` designated to slot i (undefined: open). */
export async function requestStorage(
  devnet: Devnet,
  dataset: ClientDataset,
  providers: readonly (Address | undefined)[],
  { duration = 3_600n, price = 20n, client = "client1" } = {},
): Promise<{ requestId: Hex; endsAt: bigint }> {
  const account = devnet.account(client);
  const now = (await devnet.publicClient.getBlock()).timestamp;
  const nonce = toHex(randomBytes(32));
  const n = BigInt(dataset.manifest.slots.length);
  await send(devnet, account, {
    address: devnet.contracts.StorageMarket.address,
    abi: storageMarketAbi,
    functionName: "requestStorage",
    args: [
      {
        nonce,
        cid: dataset.cid,
        slotRoots: dataset.manifest.slots.map((s) => toHex(s.root)),
        providers: providers.map((p) => p ?? zeroAddress),
        slotSize: dataset.slotSize,
        dataSlots: dataset.manifest.k,
        duration,
        pricePerBytePerSecond: price,
        collateralPerByte: 10n ** 9n,
        proofProbability: 1,
        expiry: now + duration / 2n,
      },
    ],
    value: n * dataset.slotSize * price * duration,
  });
  const requestId = requestIdOf(account.address, nonce);
  const info = await devnet.publicClient.readContract({
    address: devnet.contracts.StorageMarket.address,
    abi: storageMarketAbi,
    functionName: "requestInfo",
    args: [requestId],
  });
  return { requestId, endsAt: BigInt(info.endsAt) };
}

/** The bearer token of the test servers' routes that need one (the provider routes). */
export const SLOT_SERVER_TOKEN = "t".repeat(32);

/**
 * An HTTP server with the slot routes, and the provider routes when given a provider admin,
 * as the node's API server would mount them (token check included).
 */
export async function startSlotServer(
  sales: Sales,
  components: { blockstore: FsBlockstore; metadata: MetadataStore; provider?: ProviderAdmin },
): Promise<{ url: string; app: FastifyInstance }> {
  const api = new ApiServer(
    { ...components, logger: captureLogger("api").logger },
    { token: SLOT_SERVER_TOKEN },
  );
  // The server's own route context and error handler, so answers are shaped as in the node.
  const internals = api as unknown as {
    context: RouteContext;
    handleError: (...args: unknown[]) => unknown;
  };
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // All connections, not just idle ones: at the end of a test another node may be in the
    // middle of fetching a slot from this one, and close() would wait for it.
    forceCloseConnections: true,
  });
  app.addSchema(ERROR_SCHEMA);
  app.setErrorHandler((error, request, reply) => internals.handleError.call(api, error, request, reply));
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.auth === true) internals.context.authorize(request);
  });
  app.addHook("onSend", async (request, reply) => {
    if (!request.raw.complete && reply.statusCode >= 400) reply.header("connection", "close");
  });
  await app.register(async (scope) => slotRoutes(scope, internals.context, sales));
  if (components.provider !== undefined)
    await app.register(async (scope) => providerRoutes(scope, internals.context));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, app };
}

export interface SalesNode {
  role: string;
  address: Address;
  client: PublicClient;
  metadata: MetadataStore;
  blockstore: FsBlockstore;
  sender: TransactionManager;
  sales: Sales;
  url: string;
  metrics: Registry;
  lines: string[];
  /** The node's collector, shared by its agent and its provider admin. */
  collector: SlotCollector;
  /** With `provider: true`: its provider admin, whose routes its server carries. */
  provider: ProviderAdmin | undefined;
  watcher: ChainWatcher | undefined;
  agent: SalesAgent | undefined;
  stop(): Promise<void>;
}

/**
 * A provider node's selling half. The same `role` and `folder` again reopens its SQLite
 * file and block store: a restart.
 */
export async function salesNode(
  devnet: Devnet,
  role: string,
  folder: string,
  {
    policy = POLICY,
    agent = false,
    provider = false,
  }: { policy?: AvailabilityPolicy; agent?: boolean; provider?: boolean } = {},
): Promise<SalesNode> {
  const metadata = metadataStore(join(folder, `${role}.sqlite`), [MARKET_SCHEMA, SALES_SCHEMA]);
  const blockstore = createBlockstore({}, { root: join(folder, `${role}-blocks`) });
  await blockstore.start();
  const client = createChainClient(devnet.rpcUrl, devnet.chain.id);
  const { sender, metrics, logger, lines } = await startNodeSender(devnet, client, role);
  const market = devnet.contracts.StorageMarket;
  const sales = createSales(
    { publicClient: client, sender, metadata, blockstore, logger: logger.child("sales"), metrics },
    { market: market.address, marketFromBlock: BigInt(market.blockNumber), policy, pollIntervalMs: 50 },
  );
  await sales.start();
  const collector = new SlotCollector(
    { publicClient: client, sender, metadata, logger: logger.child("sales:collect") },
    { market: market.address },
  );
  const providerAdmin = provider
    ? createProviderAdmin(
        { sender, publicClient: client, collector },
        { registry: devnet.contracts.ProviderRegistry.address },
      )
    : undefined;
  const server = await startSlotServer(sales, { blockstore, metadata, provider: providerAdmin });
  let watcher: ChainWatcher | undefined;
  let salesAgent: SalesAgent | undefined;
  if (agent) {
    watcher = createChainWatcher(
      { publicClient: client, metadata, logger: logger.child("chain:watcher") },
      {
        name: "sales",
        contracts: cairnContracts(devnet.chain.id, devnet.contracts, ["StorageMarket"]),
        confirmations: 1,
        pollIntervalMs: 50,
      },
    );
    const registry = devnet.contracts.ProviderRegistry;
    salesAgent = createSalesAgent(
      {
        publicClient: client,
        sender,
        metadata,
        watcher,
        sales,
        collector,
        source: new HttpSlotSource(
          registryLocator(client, { registry: registry.address, fromBlock: BigInt(registry.blockNumber) }),
          { self: sender.address },
        ),
        logger: logger.child("sales:agent"),
      },
      { market: market.address, pollIntervalMs: 100, sourceWaitMs: 500 },
    );
    watcher.start();
    await salesAgent.start();
  }
  return {
    role,
    address: sender.address,
    client,
    metadata,
    blockstore,
    sender,
    sales,
    url: server.url,
    metrics,
    lines,
    collector,
    provider: providerAdmin,
    watcher,
    agent: salesAgent,
    async stop() {
      // The server first: its connections to other nodes' agents are cut, so no agent
      // waits on a slot download from a node that is stopping.
      await server.app.close();
      await salesAgent?.stop();
      await watcher?.stop();
      await sales.stop();
      sender.stop();
      await blockstore.stop();
      metadata.stop();
    },
  };
}

/** POSTs a slot's bytes to a node. */
export function uploadSlot(
  url: string,
  requestId: Hex,
  index: number | string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}/api/v1/slots/${requestId}/${index}`, {
    method: "POST",
    signal,
    headers: { "content-type": "application/octet-stream" },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

/** A body with no Content-Length: `bytes` in 64 KiB pieces. */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}
