import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { metricValue } from "../chain/helpers.ts";
import {
  enterPeriod,
  fillSlot,
  type ProviderNode,
  providerNode,
  requestStartPeriod,
  startTestMarket,
  type TestMarket,
} from "./helpers.ts";
import { until } from "../helpers/until.ts";

/**
 * With proofs due in about one period of two, the prover must send exactly when the
 * contract says a proof is due: never one too few (a miss) nor one too many (a revert).
 */
describe("Prover's proof duty matches the contract's", () => {
  let market: TestMarket;
  let node: ProviderNode;
  let startPeriod: bigint;

  beforeAll(async () => {
    market = await startTestMarket(["provider1"], { proofProbability: 2 });
    node = await providerNode(market, "provider1");
    for (let index = 0; index < 3; index++) await fillSlot(market, node, index);
    startPeriod = await requestStartPeriod(market);
    await node.startProver();
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await market?.stop();
  });

  it("proves in the periods where the seed requires it, and only in those", async () => {
    const slotIds = market.request.slotIds as Hex[];
    let due = 0;
    let notDue = 0;
    for (let period = startPeriod + 1n; period <= startPeriod + 8n; period++) {
      await enterPeriod(market, period);
      const required = await Promise.all(
        slotIds.map((slotId) =>
          market.client.readContract({
            address: market.market,
            abi: storageMarketAbi,
            functionName: "isProofRequired",
            args: [slotId, period],
          }),
        ),
      );
      // Proofs go out early; once the seed is recorded (by the proofs or by recordSeed),
      // the prover is done with the period.
      await until(`period ${period} dealt with`, async () => {
        const logs = await market.client.getContractEvents({
          address: market.market,
          abi: storageMarketAbi,
          eventName: "SeedRecorded",
          args: { period },
          fromBlock: period * market.timing.periodBlocks,
        });
        return (
          logs.length > 0 &&
          required.every((r, i) => !r || node.held.proofOutcome(slotIds[i] as Hex, period) !== undefined)
        );
      });
      for (const [i, slotId] of slotIds.entries()) {
        const outcome = node.held.proofOutcome(slotId, period);
        expect(outcome, `slot ${i}, period ${period}`).toBe(required[i] ? "submitted" : undefined);
        if (required[i]) due++;
        else notDue++;
      }
    }
    // Both kinds of period happened (probability 1/2 over 24 slot-periods).
    expect(due).toBeGreaterThan(0);
    expect(notDue).toBeGreaterThan(0);
    expect(await metricValue(node.metrics, "cairn_market_proofs_missed_total")).toBe(0);
    expect(await metricValue(node.metrics, "cairn_chain_transactions_failed_total")).toBe(0);
  }, 60_000);
});
