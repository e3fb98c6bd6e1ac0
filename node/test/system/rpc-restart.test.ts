/**
 * Whole system: the chain's RPC endpoint restarts under running nodes, and no proof is
 * missed and no event is lost.
 *
 * Three provider daemons (the node `cairn start` runs: SQLite, block store, libp2p, the
 * transaction manager, chain watcher, sales and prover) on a devnet whose anvil can be
 * stopped and started again on the same port with its chain. A client's request designates
 * one slot of an erasure-coded dataset to each; the client pushes each slot's bytes to its
 * provider's API and the provider fills it. Blocks come every TICK_MS, as on a chain with a
 * block time. The RPC then goes away twice for longer than every poll and backoff of the
 * nodes: once at the end of a period, coming back after the chain has moved on into the
 * next one (the blocks sealed meanwhile arrive at once), and once in a period's first
 * block, before any proof of that period is in. Afterwards:
 *
 * - every period after each slot's fill owes a proof (`isProofRequired`, probability 1)
 *   and has exactly one `ProofSubmitted` for it; there is no `ProofMissed` nor `SlotFreed`,
 *   every slot is still filled by its provider with no missed proof;
 * - each node's own record agrees: `slot_proofs` has a 'submitted' row for each of those
 *   periods and no 'missed' one, no "proof missed" alert was logged, the missed-proofs
 *   metric is 0;
 * - each node's chain watcher handled each event of the three contracts exactly once: its
 *   `chain_handled_events` rows are exactly the chain's logs up to its cursor, and it
 *   counted as many deliveries per event name as there are logs;
 * - and the outage really reached the nodes (the watcher counted RPC errors).
 */
import { type Address, type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainClient } from "../../src/chain/index.ts";
import { slotIdOf } from "../../src/core/index.ts";
import { providerRegistryAbi, paymentChannelsAbi, storageMarketAbi } from "../../src/generated/contracts.ts";
import { type MarketTiming, RequestState, readMarketTiming, SlotState } from "../../src/market/index.ts";
import { type RestartableDevnet, startRestartableDevnet, tempFolder } from "../chain/helpers.ts";
import { freePort } from "../helpers/devnet.ts";
import {
  blockTicker,
  type ClientDataset,
  clientDataset,
  registerProvider,
  requestStorage,
  uploadSlot,
} from "../sales/helpers.ts";
import { until } from "../helpers/until.ts";
import { type DaemonNode, linesAt, startDaemon, writeDeploymentFile } from "./daemon-nodes.ts";

/**
 * ms between blocks: a 15-block period is then 9 s, several of the nodes' 1 s polls, with
 * room for a proof on a loaded CI machine. At 400 ms (6 s periods), with two busy loops
 * beside it on 2 cores, a provider missed a proof in 3 of 6 runs, and once in CI.
 */
const TICK_MS = 600;
/** How long the RPC stays away: past the watcher's backoff (it doubles to 4 s) and many prover polls. */
const OUTAGE_MS = 5_000;
const ROLES = ["provider1", "provider2", "provider3"] as const;

describe("the chain's RPC restarts under running provider nodes", { timeout: 120_000 }, () => {
  let devnet: RestartableDevnet;
  let folder: ReturnType<typeof tempFolder>;
  let timing: MarketTiming;
  let market: Address;
  let dataset: ClientDataset;
  let requestId: Hex;
  let slotIds: Hex[];
  let ticker: { stop(): Promise<void> } | undefined;
  const nodes: DaemonNode[] = [];

  const head = () => devnet.publicClient.getBlockNumber({ cacheTime: 0 });
  const periodOf = (block: bigint) => block / timing.periodBlocks;
  const startTicker = () => {
    ticker = blockTicker(devnet, TICK_MS);
  };
  const stopTicker = async () => {
    await ticker?.stop();
    ticker = undefined;
  };

  /** The periods each slot proved in, from the chain's ProofSubmitted logs (with repeats). */
  async function provenPeriods(): Promise<Map<Hex, bigint[]>> {
    const logs = await devnet.publicClient.getContractEvents({
      address: market,
      abi: storageMarketAbi,
      eventName: "ProofSubmitted",
      fromBlock: BigInt(devnet.contracts.StorageMarket.blockNumber),
    });
    const out = new Map<Hex, bigint[]>(slotIds.map((id) => [id, []]));
    for (const log of logs) out.get(log.args.slotId as Hex)?.push(BigInt(log.args.period ?? -1n));
    return out;
  }

  /** Waits until every slot has a proof for `period` on chain; a timeout names what is missing. */
  async function allProven(period: bigint, ms = 30_000): Promise<void> {
    try {
      await until(
        `every slot's proof for period ${period}`,
        async () => [...(await provenPeriods()).values()].every((periods) => periods.includes(period)),
        ms,
      );
    } catch (err) {
      const proven = await provenPeriods();
      const missing = slotIds.filter((id) => !(proven.get(id) ?? []).includes(period));
      const recent = nodes.map(
        (node) =>
          `${node.role}:\n  ${node.lines
            .filter((l) => /prover|proof|chain:tx/.test(l))
            .slice(-6)
            .join("\n  ")}`,
      );
      throw new Error(
        `${(err as Error).message} (head ${await head()}; no proof from slots ${missing.map((id) => slotIds.indexOf(id)).join(", ")})\n${recent.join("\n")}`,
      );
    }
  }

  /** Mines (the ticker stopped) until the head is `block`. */
  async function mineTo(block: bigint): Promise<void> {
    const now = await head();
    if (block > now) await devnet.mine(Number(block - now));
  }

  beforeAll(async () => {
    devnet = await startRestartableDevnet();
    folder = tempFolder("cairn-system-rpc-");
    const deployment = writeDeploymentFile(devnet, folder.path);
    market = devnet.contracts.StorageMarket.address;
    timing = await readMarketTiming(createChainClient(devnet.rpcUrl, devnet.chain.id), market);

    // The providers publish their API URLs in the registry before they start, so each
    // picks its port first (and the registry writes use no nonce a node's sender owns).
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const [i, role] of ROLES.entries())
      await registerProvider(devnet, role, `http://127.0.0.1:${ports[i]}`);
    await devnet.increaseTime(61);
    for (const [i, role] of ROLES.entries()) {
      nodes.push(
        await startDaemon(devnet, role, folder.path, {
          deployment,
          apiPort: ports[i],
          flags: {
            "sales-space": "1073741824",
            "sales-min-price-per-byte-per-second": "10",
            "sales-max-collateral-per-byte": "1000000000000",
          },
        }),
      );
    }

    // k = 2, m = 1 over 600 KiB: three 512 KiB slots, slot i designated to provider i + 1.
    dataset = await clientDataset(600 * 1024, 2, 1, timing.cellSize);
    ({ requestId } = await requestStorage(
      devnet,
      dataset,
      ROLES.map((role) => devnet.account(role).address),
    ));
    slotIds = dataset.manifest.slots.map((_, i) => slotIdOf(requestId, i));
    startTicker();
    const pushed = await Promise.all(
      nodes.map((node, i) => uploadSlot(node.apiUrl, requestId, i, dataset.slots[i] as Uint8Array)),
    );
    for (const res of pushed) expect(res.status, await res.clone().text()).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await stopTicker();
    for (const node of nodes.splice(0)) await node.stop();
    await devnet?.stop();
    folder?.remove();
  });

  it("proves every period of every slot and handles every event exactly once", async () => {
    const info = await devnet.publicClient.readContract({
      address: market,
      abi: storageMarketAbi,
      functionName: "requestInfo",
      args: [requestId],
    });
    expect(info.state).toBe(RequestState.Started);
    const startPeriod = BigInt(info.startPeriod);
    await allProven(startPeriod + 1n);

    // 1. Down at the end of a period, back once the chain has moved into the next one.
    await stopTicker();
    let period = periodOf(await head());
    await allProven(period);
    await mineTo((period + 1n) * timing.periodBlocks - 2n);
    await devnet.halt();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await devnet.resume();
    // The blocks sealed while the endpoint was away: the head is now in the next period.
    await mineTo((period + 1n) * timing.periodBlocks + 2n);
    startTicker();
    period += 1n;
    await allProven(period);

    // 2. Down in a period's first block (its seed not readable yet, so nothing proven).
    await stopTicker();
    await mineTo((period + 1n) * timing.periodBlocks);
    period += 1n;
    expect([...(await provenPeriods()).values()].some((p) => p.includes(period))).toBe(false);
    await devnet.halt();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await devnet.resume();
    startTicker();
    await allProven(period);
    // And the period after, on a chain that runs as usual again.
    await allProven(period + 1n);
    const lastPeriod = period + 1n;
    await stopTicker();

    // Every period after each fill owed a proof and has exactly one.
    const proven = await provenPeriods();
    for (const [i, slotId] of slotIds.entries()) {
      const slot = await devnet.publicClient.readContract({
        address: market,
        abi: storageMarketAbi,
        functionName: "slotInfo",
        args: [slotId],
      });
      expect(slot.state, `slot ${i}`).toBe(SlotState.Filled);
      expect(slot.host).toBe(devnet.account(ROLES[i] as string).address);
      expect(slot.missedProofs, `slot ${i}`).toBe(0);
      const first = (BigInt(slot.filledPeriod) > startPeriod ? BigInt(slot.filledPeriod) : startPeriod) + 1n;
      const owed: bigint[] = [];
      for (let p = first; p <= lastPeriod; p++) {
        const required = await devnet.publicClient.readContract({
          address: market,
          abi: storageMarketAbi,
          functionName: "isProofRequired",
          args: [slotId, p],
        });
        expect(required, `slot ${i} period ${p}`).toBe(true);
        owed.push(p);
      }
      expect(owed.length).toBeGreaterThanOrEqual(4);
      const got = (proven.get(slotId) ?? []).filter((p) => p >= first && p <= lastPeriod);
      expect(
        got.sort((a, b) => Number(a - b)),
        `slot ${i}'s proven periods`,
      ).toEqual(owed);

      // The node's own record: each owed period submitted (written once the node has the
      // receipt, which may be a poll after the log is on chain), none missed.
      const node = nodes[i] as DaemonNode;
      const rows = () =>
        node.node.metadata.database
          .prepare("SELECT period, outcome FROM slot_proofs WHERE slot_id = ? ORDER BY period")
          .all(slotId) as Array<{ period: number; outcome: string }>;
      const submitted = () =>
        rows()
          .filter((r) => r.outcome === "submitted")
          .map((r) => BigInt(r.period));
      await until(`${node.role}'s record of its proofs`, () => owed.every((p) => submitted().includes(p)));
      expect(
        rows().filter((r) => r.outcome === "missed"),
        node.role,
      ).toEqual([]);
    }
    const fromBlock = BigInt(devnet.contracts.StorageMarket.blockNumber);
    for (const eventName of ["ProofMissed", "SlotFreed"] as const) {
      const logs = await devnet.publicClient.getContractEvents({
        address: market,
        abi: storageMarketAbi,
        eventName,
        fromBlock,
      });
      expect(logs, eventName).toEqual([]);
    }
    for (const node of nodes) {
      expect(await node.metric("cairn_market_proofs_missed_total"), node.role).toBe(0);
      expect(
        linesAt(node.lines, "error").filter((l) => l.msg === "proof missed"),
        node.role,
      ).toEqual([]);
      // The outage reached the node: its watcher's polls failed, and it went on.
      expect(await node.metric("cairn_chain_watcher_rpc_errors_total"), node.role).toBeGreaterThan(0);
    }

    // Each watcher handled every event of the three contracts exactly once. First a still
    // chain: if the ticker's last blocks opened a period, its proofs (new blocks, new
    // events) go in first. Then every cursor reaches `confirmations` under the head.
    const still = await head();
    if (still % timing.periodBlocks !== 0n) await allProven(periodOf(still));
    const settled = (await head()) - BigInt(nodes[0]?.config.chain.confirmations ?? 2);
    const cursorOf = (node: DaemonNode) =>
      (
        node.node.metadata.database
          .prepare("SELECT block_number FROM chain_cursors WHERE watcher = 'node'")
          .get() as { block_number: number } | undefined
      )?.block_number ?? -1;
    await until("every watcher's cursor at the settled block", () =>
      nodes.every((node) => cursorOf(node) >= Number(settled)),
    );
    const contracts = Object.values(devnet.contracts);
    const logs = await devnet.publicClient.getLogs({
      address: contracts.map((c) => c.address),
      fromBlock: BigInt(Math.min(...contracts.map((c) => c.blockNumber))),
      toBlock: settled,
    });
    const names = parseEventLogs({
      abi: [...storageMarketAbi, ...providerRegistryAbi, ...paymentChannelsAbi],
      logs,
    }).map((l) => l.eventName);
    expect(names.length).toBe(logs.length);
    const expected = logs.map((l) => `${l.blockHash}:${l.logIndex}`).sort();
    // The run saw the market at work on both sides of the outages: 3 slots' proofs of at
    // least 4 periods, the last period's maybe above the settled block.
    expect(names.filter((n) => n === "ProofSubmitted").length).toBeGreaterThanOrEqual(9);
    const perName = new Map<string, number>();
    for (const n of names) perName.set(n, (perName.get(n) ?? 0) + 1);
    for (const node of nodes) {
      const handled = (
        node.node.metadata.database
          .prepare(
            "SELECT block_hash, log_index FROM chain_handled_events WHERE watcher = 'node' AND block_number <= ?",
          )
          .all(Number(settled)) as Array<{ block_hash: string; log_index: number }>
      )
        .map((r) => `${r.block_hash}:${r.log_index}`)
        .sort();
      expect(handled, `${node.role}'s handled events`).toEqual(expected);
      for (const [eventName, count] of perName) {
        expect(
          await node.metric("cairn_chain_events_total", { event: eventName }),
          `${node.role} ${eventName}`,
        ).toBe(count);
      }
    }
  });
});
