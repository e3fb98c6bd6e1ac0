/**
 * The client's purchase against six real provider nodes' selling side (node/src/sales,
 * with its `POST /api/v1/slots/{requestId}/{index}` route, built by the sales tests'
 * helpers): the pushes are checked against the chain by the providers themselves, they
 * fill with real proofs, and the request starts.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createChainClient,
  createTransactionManager,
  type TransactionManager,
} from "../../src/chain/index.ts";
import {
  createPurchasing,
  PURCHASING_SCHEMA,
  type Purchasing,
  registryScanProviderSource,
} from "../../src/purchasing/index.ts";
import { createBlockstore, type FsBlockstore } from "../../src/store/blocks/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import { captureLogger, metadataStore, tempFolder } from "../chain/helpers.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { blockTicker, registerProvider, type SalesNode, salesNode } from "../sales/helpers.ts";
import { randomData, storeDataset } from "./helpers.ts";
import { until } from "../helpers/until.ts";

const ROLES = ["provider1", "provider2", "provider3", "provider4", "provider5", "provider6"];

describe("buying from provider nodes that sell", () => {
  let devnet: Devnet;
  let folder: { path: string; remove(): void };
  let providers: SalesNode[] = [];
  let ticker: { stop(): Promise<void> } | undefined;
  let blockstore: FsBlockstore;
  let metadata: MetadataStore;
  let sender: TransactionManager;
  let purchasing: Purchasing;

  beforeAll(async () => {
    devnet = await startDevnet();
    folder = tempFolder("cairn-purchasing-sales-");
    providers = await Promise.all(ROLES.map((role) => salesNode(devnet, role, folder.path)));
    for (const node of providers) await registerProvider(devnet, node.role, node.url);
    await devnet.increaseTime(61);
    // Fills wait for a block where the period's seed is readable: blocks must keep coming.
    ticker = blockTicker(devnet);

    const client = createChainClient(devnet.rpcUrl, devnet.chain.id);
    const { logger } = captureLogger("client", "info");
    blockstore = createBlockstore({}, { root: join(folder.path, "client-blocks") });
    await blockstore.start();
    metadata = metadataStore(join(folder.path, "client.sqlite"), [PURCHASING_SCHEMA]);
    sender = createTransactionManager(
      { publicClient: client, account: devnet.account("client1"), logger },
      { chainId: devnet.chain.id, pollIntervalMs: 25 },
    );
    await sender.start();
    const registry = devnet.contracts.ProviderRegistry;
    purchasing = createPurchasing(
      {
        sender,
        publicClient: client,
        metadata,
        blockstore,
        providers: registryScanProviderSource(client, {
          registry: registry.address,
          fromBlock: BigInt(registry.blockNumber),
        }),
        logger,
      },
      { market: devnet.contracts.StorageMarket.address, followIntervalMs: 100, pushConcurrency: 6 },
    );
    purchasing.start();
  }, 60_000);
  afterAll(async () => {
    await purchasing?.stop();
    await ticker?.stop();
    await Promise.allSettled(providers.map((p) => p.stop()));
    sender?.stop();
    metadata?.stop();
    await blockstore?.stop();
    await devnet?.stop();
    folder?.remove();
  });

  it("every provider takes its designated slot, checks it and fills it, and the request starts", async () => {
    const cid = await storeDataset(blockstore, metadata, randomData(900), 4, 2);
    const { purchase, quote } = await purchasing.buy({
      cid,
      duration: 3600n,
      maxPricePerBytePerSecond: 10n,
      collateralPerByte: 1_000n,
    });
    expect(new Set(quote.providers.map((p) => p.address))).toEqual(new Set(providers.map((p) => p.address)));
    await until("the request to start", () => purchasing.list()[0]?.state === "started", 45_000);
    const status = await purchasing.status(purchase.requestId);
    expect(status.onChain).toMatchObject({ state: "Started", filledSlots: 6 });
    expect(status.slots.every((s) => s.pushed && s.attempts === 1)).toBe(true);
  }, 55_000);
});
