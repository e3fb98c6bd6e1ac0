import { type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProofRequired } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { lateExecution, metricValue } from "../chain/helpers.ts";
import {
  enterPeriod,
  fillSlot,
  type ProviderNode,
  providerNode,
  startTestMarket,
  type TestMarket,
} from "./helpers.ts";
import { until } from "../helpers/until.ts";

describe("Prover on a real chain with real slots", () => {
  let market: TestMarket;
  let p1: ProviderNode;
  let p2: ProviderNode;
  let startPeriod: bigint;
  const [slot0, slot1, slot2] = [0, 1, 2];

  beforeAll(async () => {
    market = await startTestMarket(["provider1", "provider2"]);
    p1 = await providerNode(market, "provider1");
    p2 = await providerNode(market, "provider2");
    // provider1 holds two slots (its proofs go out together), provider2 one.
    await fillSlot(market, p1, slot0);
    await fillSlot(market, p1, slot1);
    await fillSlot(market, p2, slot2);
    const info = await market.client.readContract({
      address: market.market,
      abi: storageMarketAbi,
      functionName: "requestInfo",
      args: [market.request.requestId],
    });
    expect(info.state).toBe(2); // Started
    startPeriod = BigInt(info.startPeriod);
  }, 60_000);

  afterAll(async () => {
    await p1?.stop();
    await p2?.stop();
    await market?.stop();
  });

  const slotId = (index: number) => market.request.slotIds[index] as Hex;

  /** Waits until `node` has submitted `period`'s proof of each slot, and returns the tx hashes. */
  async function proven(node: ProviderNode, indices: number[], period: bigint): Promise<Hex[]> {
    await until(`${node.role}'s proofs of period ${period}`, () =>
      indices.every((i) => node.held.proofOutcome(slotId(i), period) !== undefined),
    );
    return indices.map((i) => {
      const record = node.held.proofs(slotId(i)).find((p) => p.period === period);
      expect(record?.outcome, `slot ${i} in period ${period}`).toBe("submitted");
      return record?.txHash as Hex;
    });
  }

  it("proves every held slot in every period, all of a node's proofs in one transaction", async () => {
    await p1.startProver();
    await p2.startProver();
    for (let period = startPeriod + 1n; period <= startPeriod + 4n; period++) {
      await enterPeriod(market, period);
      const [a, b] = await proven(p1, [slot0, slot1], period);
      const [c] = await proven(p2, [slot2], period);
      expect(a).toBe(b); // one submitProofs for both of provider1's slots
      expect(c).not.toBe(a);
      const receipt = await market.client.getTransactionReceipt({ hash: a as Hex });
      const events = parseEventLogs({
        abi: storageMarketAbi,
        logs: receipt.logs,
        eventName: "ProofSubmitted",
      });
      expect(events.map((e) => e.args.slotId.toLowerCase()).sort()).toEqual(
        [slotId(slot0), slotId(slot1)].sort(),
      );
      expect(events.every((e) => BigInt(e.args.period) === period)).toBe(true);
      // Early in the window: mined within a few blocks of the seed.
      const first = period * market.timing.periodBlocks;
      expect(receipt.blockNumber - first).toBeLessThanOrEqual(3n);
      // The node's decision is the contract's: due now, by the same seed.
      const seed = await market.client.readContract({
        address: market.market,
        abi: storageMarketAbi,
        functionName: "seedOf",
        args: [period],
      });
      for (const index of [slot0, slot1, slot2]) {
        const onChain = await market.client.readContract({
          address: market.market,
          abi: storageMarketAbi,
          functionName: "isProofRequired",
          args: [slotId(index), period],
        });
        expect(onChain).toBe(isProofRequired(seed, slotId(index), market.request.proofProbability));
        expect(onChain).toBe(true);
      }
    }
    for (const node of [p1, p2]) {
      expect(await metricValue(node.metrics, "cairn_market_proofs_missed_total")).toBe(0);
      expect(node.lines.some((l) => l.includes('"level":"error"'))).toBe(false);
    }
    expect(await metricValue(p1.metrics, "cairn_market_proofs_submitted_total")).toBe(8);
  }, 60_000);

  it("resumes after a restart, in mid-period and across a period boundary, without a miss or a repeat", async () => {
    let period = (await market.client.getBlockNumber()) / market.timing.periodBlocks + 1n;
    await enterPeriod(market, period);
    const [before] = await proven(p2, [slot2], period);
    // provider1 too, before the test moves the chain on: a period the test skips through
    // in one call is a period no prover could have made.
    await proven(p1, [slot0, slot1], period);

    // Restart in mid-period, after this period's proof: nothing is sent again.
    await p2.stop();
    p2 = await providerNode(market, "provider2");
    const nonce = await market.client.getTransactionCount({ address: p2.address });
    await p2.startProver();
    await market.devnet.mine(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await market.client.getTransactionCount({ address: p2.address })).toBe(nonce);
    expect(p2.held.proofs(slotId(slot2)).find((p) => p.period === period)?.txHash).toBe(before);

    // Down across the boundary: stopped in this period, started again in the next one's window.
    await p2.stop();
    period += 1n;
    await enterPeriod(market, period);
    await market.devnet.mine(3); // the seed has been out for a while
    p2 = await providerNode(market, "provider2");
    await p2.startProver();
    await proven(p2, [slot2], period);
    await proven(p1, [slot0, slot1], period);
    await enterPeriod(market, period + 1n);
    await proven(p2, [slot2], period + 1n);
    await proven(p1, [slot0, slot1], period + 1n);
    for (const node of [p1, p2])
      expect(await metricValue(node.metrics, "cairn_market_proofs_missed_total")).toBe(0);
    // No period of slot 2 went unproven on-chain since the start.
    const logs = await market.client.getContractEvents({
      address: market.market,
      abi: storageMarketAbi,
      eventName: "ProofSubmitted",
      args: { slotId: slotId(slot2) },
      fromBlock: (startPeriod + 1n) * market.timing.periodBlocks,
    });
    const periods = logs.map((l) => BigInt(l.args.period ?? 0n));
    for (let p = startPeriod + 1n; p <= period + 1n; p++)
      expect(periods.filter((x) => x === p)).toHaveLength(1);
  }, 60_000);

  it("proves a slot marked filled after the period was dealt with, in that same period", async () => {
    // The sales side marks a slot filled once it has its fill's receipt, which may come in
    // after the prover's first tick of the next period. Here slot 1 is filled on chain
    // but its row says 'filling' until provider1 has proven slot 0 in the period.
    const filledPeriod = p1.held.mustGet(slotId(slot1)).filledPeriod as bigint;
    p1.held.setState(slotId(slot1), "filling");
    const period = (await market.client.getBlockNumber()) / market.timing.periodBlocks + 1n;
    await enterPeriod(market, period);
    await proven(p1, [slot0], period);
    expect(p1.held.proofOutcome(slotId(slot1), period)).toBeUndefined();
    p1.held.markFilled(slotId(slot1), filledPeriod);
    await proven(p1, [slot1], period);
    expect(await metricValue(p1.metrics, "cairn_market_proofs_missed_total")).toBe(0);
  }, 60_000);

  it("keeps proving across a restart of the RPC endpoint", async () => {
    const period = (await market.client.getBlockNumber()) / market.timing.periodBlocks + 1n;
    // The endpoint goes away just before the period starts and comes back in it.
    await market.landAt(period * market.timing.periodBlocks);
    await market.devnet.halt();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the provers' polls fail meanwhile
    await market.devnet.resume();
    await enterPeriod(market, period);
    await proven(p1, [slot0, slot1], period);
    await proven(p2, [slot2], period);
    expect(p1.lines.some((l) => l.includes("prover tick failed"))).toBe(true);
    await enterPeriod(market, period + 1n);
    await proven(p1, [slot0, slot1], period + 1n);
    await proven(p2, [slot2], period + 1n);
    for (const node of [p1, p2]) {
      const alerts = node.lines.filter((l) => l.includes("proof missed"));
      expect(alerts, node.role).toEqual([]);
      expect(await metricValue(node.metrics, "cairn_market_proofs_missed_total")).toBe(0);
    }
  }, 60_000);

  it("raises an alert when a due proof cannot be sent in time", async () => {
    // provider2's node is down for a whole period; when it comes back, the miss is reported.
    await p2.stop();
    const period = (await market.client.getBlockNumber()) / market.timing.periodBlocks + 1n;
    await enterPeriod(market, period);
    await proven(p1, [slot0, slot1], period);
    await enterPeriod(market, period + 1n);
    p2 = await providerNode(market, "provider2");
    await p2.startProver();
    await proven(p2, [slot2], period + 1n);
    const missed = p2.held.proofs(slotId(slot2)).find((p) => p.period === period);
    expect(missed?.outcome).toBe("missed");
    expect(await metricValue(p2.metrics, "cairn_market_proofs_missed_total", { reason: "not-sent" })).toBe(1);
    const alert = p2.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "proof missed");
    expect(alert).toMatchObject({ level: "error", slotId: slotId(slot2), reason: "not-sent" });
  }, 60_000);

  it("does not call a proof missed while the block that holds it waits to be executed", async () => {
    const period = (await market.client.getBlockNumber()) / market.timing.periodBlocks + 1n;
    await enterPeriod(market, period);
    const [hash] = await proven(p2, [slot2], period);
    await proven(p1, [slot0, slot1], period);
    const { blockNumber } = await market.client.getTransactionReceipt({ hash: hash as Hex });
    // provider2 goes down after its proof was mined but before it wrote down the outcome,
    // and comes back in the next period to a chain that has not executed that block yet.
    await p2.stop();
    p2 = await providerNode(market, "provider2");
    p2.metadata.database
      .prepare("DELETE FROM slot_proofs WHERE slot_id = ? AND period = ?")
      .run(slotId(slot2), period);
    await enterPeriod(market, period + 1n);
    const late = lateExecution(market.devnet, market.client);
    late.hold(blockNumber);
    await p2.startProver(late.client);
    await new Promise((resolve) => setTimeout(resolve, 500)); // about 20 ticks
    expect(p2.held.proofOutcome(slotId(slot2), period)).toBeUndefined();
    expect(p2.held.proofOutcome(slotId(slot2), period + 1n)).toBeUndefined();
    late.release();
    await proven(p2, [slot2], period + 1n);
    expect(p2.held.proofOutcome(slotId(slot2), period)).toBe("submitted");
    expect(await metricValue(p2.metrics, "cairn_market_proofs_missed_total")).toBe(0);
    expect(p2.lines.some((l) => l.includes("proof missed"))).toBe(false);
  }, 60_000);
});
