import { join } from "node:path";
import { createTestClient, type Hash, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cairnContracts,
  type ChainEvent,
  createChainClient,
  createChainWatcher,
} from "../../src/chain/index.ts";
import { paymentChannelsAbi } from "../../src/generated/contracts.ts";
import { createMetricsRegistry } from "../../src/metrics/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import {
  captureLogger,
  lateExecution,
  metadataStore,
  metricValue,
  openChannel as openChannelOn,
  type RestartableDevnet,
  startRestartableDevnet,
  tempFolder,
} from "./helpers.ts";

/** The handler's own table: its primary key makes a second delivery of an event fail loudly. */
const SEEN_SCHEMA = {
  name: "test: events seen",
  up: `CREATE TABLE seen (
         block_hash TEXT NOT NULL, log_index INTEGER NOT NULL, event TEXT NOT NULL, tx_hash TEXT NOT NULL,
         PRIMARY KEY (block_hash, log_index)) STRICT;`,
};

const CONFIRMATIONS = 3;

describe("ChainWatcher on a real chain", () => {
  let devnet: RestartableDevnet;
  let client: PublicClient;
  const folder = tempFolder("cairn-watcher-");

  beforeAll(async () => {
    devnet = await startRestartableDevnet();
    client = createChainClient(devnet.rpcUrl, devnet.chain.id);
  }, 60_000);
  afterAll(async () => {
    await devnet?.stop();
    folder.remove();
  });

  /** Opens a channel from client1: one ChannelOpened event per call. Returns the tx hash. */
  const openChannel = async (): Promise<Hash> => (await openChannelOn(devnet, client)).transactionHash;

  function watcherOn(store: MetadataStore, name: string, pollIntervalMs = 50, publicClient = client) {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const { logger, lines } = captureLogger("chain:watcher");
    const watcher = createChainWatcher(
      { publicClient, metadata: store, logger, metrics },
      {
        name,
        contracts: cairnContracts(devnet.chain.id, devnet.contracts),
        confirmations: CONFIRMATIONS,
        pollIntervalMs,
      },
    );
    const delivered: ChainEvent[] = [];
    watcher.subscribe({ contract: "PaymentChannels", eventName: "ChannelOpened" }, (event, db) => {
      db.prepare("INSERT INTO seen (block_hash, log_index, event, tx_hash) VALUES (?, ?, ?, ?)").run(
        event.blockHash,
        event.logIndex,
        event.eventName,
        event.transactionHash,
      );
      delivered.push(event);
    });
    return { watcher, delivered, metrics, lines };
  }

  const seenTxs = (store: MetadataStore) =>
    (store.database.prepare("SELECT tx_hash FROM seen ORDER BY rowid").all() as Array<{ tx_hash: Hash }>).map(
      (r) => r.tx_hash,
    );

  /** Mines until `watcher` has delivered up to the head minus the depth. */
  async function settle(watcher: { poll(): Promise<void> }) {
    await devnet.mine(CONFIRMATIONS);
    await watcher.poll();
  }

  it("delivers events from the deploy block once confirmed, exactly once across restarts", async () => {
    const store = metadataStore(join(folder.path, "once.sqlite"), [SEEN_SCHEMA]);
    const before = [await openChannel(), await openChannel()];
    const first = watcherOn(store, "once");
    first.watcher.start();
    await first.watcher.poll();
    // Not yet confirmed: the second event is less than CONFIRMATIONS blocks deep.
    expect(seenTxs(store)).toEqual([]);
    await settle(first.watcher);
    expect(seenTxs(store)).toEqual(before);
    expect(first.delivered.every((e) => e.contract === "PaymentChannels")).toBe(true);
    await first.watcher.stop();

    // A new watcher on the same database (a node restart) resumes from the cursor.
    const after = await openChannel();
    const second = watcherOn(store, "once");
    second.watcher.start();
    await settle(second.watcher);
    expect(seenTxs(store)).toEqual([...before, after]);
    expect(second.delivered.map((e) => e.transactionHash)).toEqual([after]);
    await second.watcher.stop();
    store.stop();
  });

  it("waits for blocks the client has sealed but not executed, then delivers their events", async () => {
    const chain = lateExecution(devnet, client);
    const store = metadataStore(join(folder.path, "unexecuted.sqlite"), [SEEN_SCHEMA]);
    const { watcher } = watcherOn(store, "unexecuted", 50, chain.client);
    watcher.start();
    chain.hold((await client.getBlockNumber()) + 1n);
    const late = await openChannel();
    await settle(watcher);
    await devnet.mine(CONFIRMATIONS);
    await watcher.poll();
    expect(seenTxs(store)).not.toContain(late);

    chain.release();
    await watcher.poll();
    expect(seenTxs(store)).toContain(late);
    await watcher.stop();
    store.stop();
  });

  it("retries a handler that failed: its writes roll back and the event comes again", async () => {
    const store = metadataStore(join(folder.path, "retry.sqlite"), [SEEN_SCHEMA]);
    // The loop polls once at start and then sleeps: the test's own polls see the failure.
    const { watcher } = watcherOn(store, "retry", 60_000);
    let failures = 1;
    let failOn: Hash | undefined;
    watcher.subscribe({ eventName: "ChannelOpened" }, (event) => {
      if (event.transactionHash === failOn && failures-- > 0) throw new Error("disk full, say");
    });
    watcher.start();
    await watcher.poll(); // past the earlier tests' events
    const tx = await openChannel();
    failOn = tx;
    await devnet.mine(CONFIRMATIONS);
    await expect(watcher.poll()).rejects.toThrow("disk full");
    expect(seenTxs(store)).not.toContain(tx);
    await watcher.poll();
    expect(seenTxs(store).filter((h) => h === tx)).toHaveLength(1);
    await watcher.stop();
    store.stop();
  });

  it("survives the RPC restarting: no event lost, none twice, no crash", async () => {
    const store = metadataStore(join(folder.path, "restart.sqlite"), [SEEN_SCHEMA]);
    const { watcher, metrics, lines } = watcherOn(store, "restart");
    watcher.start();
    const early = await openChannel();
    await settle(watcher);
    const late = await openChannel(); // sent, not yet confirmed when the RPC goes away
    await devnet.halt();
    await new Promise((resolve) => setTimeout(resolve, 800)); // the loop fails and backs off meanwhile
    await devnet.resume();
    const afterRestart = await openChannel();
    await devnet.mine(CONFIRMATIONS);
    for (let i = 0; i < 100 && !seenTxs(store).includes(afterRestart); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const seen = seenTxs(store);
    for (const tx of [early, late, afterRestart]) expect(seen.filter((h) => h === tx)).toHaveLength(1);
    expect(await metricValue(metrics, "cairn_chain_watcher_rpc_errors_total")).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("RPC unreachable"))).toBe(true);
    await watcher.stop();
    store.stop();
  }, 30_000);

  it("re-scans after a reorg deeper than the confirmation depth", async () => {
    const store = metadataStore(join(folder.path, "reorg.sqlite"), [SEEN_SCHEMA]);
    const { watcher, metrics } = watcherOn(store, "reorg");
    const reorgs: bigint[] = [];
    watcher.onReorg((from) => reorgs.push(from));
    watcher.start();
    const kept = await openChannel();
    await settle(watcher);
    const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });
    const fork = await client.getBlockNumber();
    const snapshot = await test.snapshot();

    // The old branch: one event, confirmed and delivered, then reorged away.
    const orphan = await openChannel();
    await settle(watcher);
    expect(seenTxs(store)).toContain(orphan);
    await test.revert({ id: snapshot });
    expect(await client.getBlockNumber()).toBe(fork);

    // The new branch: longer, with other events (a different timestamp makes new hashes).
    await test.increaseTime({ seconds: 7 });
    const replacement = [await openChannel(), await openChannel()];
    await settle(watcher);
    await watcher.poll();

    expect(reorgs).toHaveLength(1);
    expect(reorgs[0]).toBeLessThanOrEqual(fork + 1n);
    expect(await metricValue(metrics, "cairn_chain_reorgs_total")).toBe(1);
    const seen = seenTxs(store);
    for (const tx of [kept, ...replacement]) expect(seen.filter((h) => h === tx)).toHaveLength(1);
    // Delivered rows of the canonical chain are exactly the canonical events.
    const canonical = await client.getContractEvents({
      address: devnet.contracts.PaymentChannels.address,
      abi: paymentChannelsAbi,
      eventName: "ChannelOpened",
      fromBlock: BigInt(devnet.contracts.PaymentChannels.blockNumber),
    });
    const rows = store.database.prepare("SELECT block_hash, log_index FROM seen").all() as Array<{
      block_hash: Hash;
      log_index: number;
    }>;
    const delivered = new Set(rows.map((r) => `${r.block_hash}:${r.log_index}`));
    for (const log of canonical) {
      if ((log.blockNumber ?? 0n) > (watcher.cursor?.number ?? 0n)) continue;
      expect(delivered.has(`${log.blockHash}:${log.logIndex}`)).toBe(true);
    }
    await watcher.stop();
    store.stop();
  }, 30_000);

  it("never delivers an event reorged away before it was confirmed", async () => {
    const store = metadataStore(join(folder.path, "shallow.sqlite"), [SEEN_SCHEMA]);
    const { watcher, metrics } = watcherOn(store, "shallow");
    watcher.start();
    await settle(watcher);
    const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });
    const snapshot = await test.snapshot();
    const orphan = await openChannel();
    await watcher.poll(); // within the depth: not delivered
    await test.revert({ id: snapshot });
    await test.increaseTime({ seconds: 3 });
    const replacement = await openChannel();
    await settle(watcher);
    const seen = seenTxs(store);
    expect(seen).not.toContain(orphan);
    expect(seen.filter((h) => h === replacement)).toHaveLength(1);
    expect(await metricValue(metrics, "cairn_chain_reorgs_total")).toBe(0);
    await watcher.stop();
    store.stop();
  });
});
