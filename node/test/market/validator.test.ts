import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerRegistryAbi, storageMarketAbi } from "../../src/generated/contracts.ts";
import { metricValue } from "../chain/helpers.ts";
import {
  enterPeriod,
  fillSlot,
  type ProviderNode,
  providerNode,
  requestStartPeriod,
  startTestMarket,
  type TestMarket,
  validatorNode,
} from "./helpers.ts";
import { until } from "../helpers/until.ts";

describe("Validator on a real chain with real slots", () => {
  let market: TestMarket;
  let nodes: ProviderNode[];
  let validator: Awaited<ReturnType<typeof validatorNode>>;
  let startPeriod: bigint;

  beforeAll(async () => {
    market = await startTestMarket(["provider1", "provider2", "provider3"]);
    validator = await validatorNode(market);
    nodes = [
      await providerNode(market, "provider1"),
      await providerNode(market, "provider2"),
      await providerNode(market, "provider3"),
    ];
    for (const [index, node] of nodes.entries()) await fillSlot(market, node, index);
    startPeriod = await requestStartPeriod(market);
    for (const node of nodes) await node.startProver();
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes ?? []) await node.stop();
    await validator?.stop();
    await market?.stop();
  });

  const slotId = (index: number) => market.request.slotIds[index] as Hex;
  const proven = (node: ProviderNode, index: number, period: bigint) =>
    until(
      `${node.role}'s proof of period ${period}`,
      () => node.held.proofOutcome(slotId(index), period) === "submitted",
    );
  const read = <T>(functionName: string, args: unknown[]) =>
    market.client.readContract({
      address: market.market,
      abi: storageMarketAbi,
      functionName,
      args,
    } as never) as Promise<T>;

  it("marks a node that stops proving until it is freed and slashed, and never marks a submitted proof", async () => {
    const [p1, p2, p3] = nodes as [ProviderNode, ProviderNode, ProviderNode];
    // One period of proofs from everyone: nothing to mark.
    let period = startPeriod + 1n;
    await enterPeriod(market, period);
    for (const [index, node] of nodes.entries()) await proven(node, index, period);

    // provider3 stops proving.
    await p3.stopProver();
    const stake = async () =>
      (
        (await market.client.readContract({
          address: market.devnet.contracts.ProviderRegistry.address,
          abi: providerRegistryAbi,
          functionName: "providerInfo",
          args: [p3.address],
        })) as { stake: bigint }
      ).stake;
    const stakeBefore = await stake();
    const balanceBefore = await market.client.getBalance({ address: validator.address });
    const collateral = (await read<{ collateral: bigint }>("slotInfo", [slotId(2)])).collateral;

    // Three periods without provider3's proof; each miss is marked once its period is over.
    period += 1n;
    await enterPeriod(market, period);
    for (let miss = 1; miss <= 3; miss++) {
      await proven(p1, 0, period);
      await proven(p2, 1, period);
      period += 1n;
      await enterPeriod(market, period);
      await until(
        `the mark of period ${period - 1n}`,
        () => validator.validator.slots.marks().length === miss,
      );
      if (miss < 3)
        expect((await read<{ missedProofs: number }>("slotInfo", [slotId(2)])).missedProofs).toBe(miss);
    }

    // Freed after maxMissedProofs: in repair, its host's whole collateral gone.
    const slot = await read<{ state: number; host: Hex }>("slotInfo", [slotId(2)]);
    expect(slot.state).toBe(2); // Repair
    expect(await stake()).toBe(stakeBefore - collateral);
    const marks = validator.validator.slots.marks();
    expect(marks.map((m) => m.slotId)).toEqual([slotId(2), slotId(2), slotId(2)]);
    const rewards = marks.reduce((sum, m) => sum + m.reward, 0n);
    expect(rewards).toBeGreaterThan(0n);
    expect(await metricValue(validator.metrics, "cairn_market_validator_marks_total")).toBe(3);
    // Paid its rewards, less gas.
    const gas = await Promise.all(
      marks.map(async (m) => {
        const r = await market.client.getTransactionReceipt({ hash: m.txHash as Hex });
        return r.gasUsed * r.effectiveGasPrice;
      }),
    );
    expect(await market.client.getBalance({ address: validator.address })).toBe(
      balanceBefore + rewards - gas.reduce((a, b) => a + b, 0n),
    );

    // The provers' slots were checked and found proven: never marked.
    const missedEvents = await market.client.getContractEvents({
      address: market.market,
      abi: storageMarketAbi,
      eventName: "ProofMissed",
      fromBlock: startPeriod * market.timing.periodBlocks,
    });
    expect(new Set(missedEvents.map((e) => e.args.slotId?.toLowerCase()))).toEqual(new Set([slotId(2)]));
    expect(await metricValue(validator.metrics, "cairn_market_validator_not_missing_total")).toBeGreaterThan(
      0,
    );
    expect(validator.lines.some((l) => l.includes('"level":"error"'))).toBe(false);

    // provider3's node, restarted, learns it lost the slot and stops proving it.
    await p3.startProver();
    await enterPeriod(market, (await market.client.getBlockNumber()) / market.timing.periodBlocks + 1n);
    await until("provider3's node to see its slot freed", () => p3.held.get(slotId(2))?.state === "freed");
  }, 60_000);
});
