/**
 * Whole deal lifecycles on a network of real nodes (6 providers, a client and a validator
 * as `cairn start` processes on anvil):
 *   - a deal runs to its end with every node restarted in the middle of it, and no proof
 *     is missed; the providers collect and the client withdraws;
 *   - a request fails when more than m of its providers vanish, and the client's node
 *     withdraws the refund.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storageMarketAbi } from "../../node/src/generated/contracts.ts";
import { buyStorage, waitForProofs, waitUntilStarted } from "../../scripts/demo/deal.ts";
import { type MarketEvent, waitForMarket } from "../../scripts/demo/market-events.ts";
import { connectDemoNetwork, type DemoNetwork } from "../../scripts/demo/network.ts";
import { purchaseIn, settleDeal, slotIdsOf } from "./deal-end.ts";
import { type SystemNetwork, startSystemNetwork } from "./network.ts";

const quiet = { log: (line: string) => process.env.CAIRN_DEBUG && console.log(line), timeoutMs: 90_000 };

describe("deal lifecycles on a whole network", () => {
  let network: SystemNetwork;
  let demo: DemoNetwork;
  const folder = mkdtempSync(join(tmpdir(), "cairn-lifecycle-"));

  beforeAll(async () => {
    network = await startSystemNetwork({ apiPortBase: 19_281, p2pPortBase: 19_301 });
    demo = await connectDemoNetwork(network.stack);
  });

  afterAll(async () => {
    await network?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  function file(name: string, size: number): string {
    const path = join(folder, name);
    writeFileSync(path, randomBytes(size));
    return path;
  }

  /** The periods each slot proved in, from the market's events. */
  function provenPeriods(events: MarketEvent[], ids: Hex[]): bigint[][] {
    return ids.map((id) =>
      events.flatMap((e) =>
        e.eventName === "ProofSubmitted" && e.args.slotId === id ? [e.args.period] : [],
      ),
    );
  }

  it("runs a deal to its end with every node restarted in the middle, missing no proof; providers collect, the client withdraws", async () => {
    const client = demo.node("client1");
    const terms = { k: 2, m: 2, duration: 600, proofProbability: 1, collateralPerByte: 1000n };
    const deal = await buyStorage(demo, client, file("lifecycle.bin", 900_000), terms, quiet);
    await waitUntilStarted(client, deal, quiet);
    await waitForProofs(demo, deal, quiet);

    // Every node stops cleanly and starts again on its own data. The chain is held
    // meanwhile: a restart takes seconds against a 30 s period on the devnet, but longer
    // than this test's 6 s periods, and what is tested is the resumption, not the speed.
    await network.holdBlocks();
    const before = await demo.publicClient.getBlockNumber();
    await Promise.all(network.nodes.map((node) => network.stopNode(node.name)));
    // The bootstrap node first: the others dial it as they start.
    const [first, ...rest] = network.stack.nodes.map((node) => node.name);
    await network.restart(first as string);
    await Promise.all(rest.map((name) => network.restart(name)));
    network.resumeBlocks();

    // Each slot proves again after the restart, in two more periods.
    const ids = slotIdsOf(deal);
    // From the block after the hold: block `before` may hold a proof sent before the restart.
    while ((await demo.publicClient.getBlockNumber({ cacheTime: 0 })) <= before)
      await new Promise((resolve) => setTimeout(resolve, 200));
    await waitForMarket(
      demo.publicClient,
      demo.market,
      before + 1n,
      (events) => provenPeriods(events, ids).every((periods) => periods.length >= 2),
      { what: "two proofs of every slot after the restart", timeoutMs: 90_000 },
    );

    const events = await settleDeal(network, demo, deal);
    // Not one miss marked, and each slot's proofs run period after period without a gap.
    expect(events.filter((e) => e.eventName === "ProofMissed")).toEqual([]);
    for (const periods of provenPeriods(events, ids)) {
      const sorted = [...new Set(periods)].sort((a, b) => (a < b ? -1 : 1));
      const first = sorted[0] as bigint;
      expect(sorted).toEqual(sorted.map((_, i) => first + BigInt(i)));
      expect(sorted.length).toBeGreaterThanOrEqual(3);
    }
    // Each host was paid for its slot; the client got back what was not earned.
    for (const [index, id] of ids.entries()) {
      const collected = events.find((e) => e.eventName === "PaymentCollected" && e.args.slotId === id);
      expect(collected?.eventName === "PaymentCollected" && collected.args.payment).toBeGreaterThan(0n);
      expect(collected?.eventName === "PaymentCollected" && collected.args.provider).toBe(
        deal.hosts[index]?.address,
      );
    }
    const purchase = await purchaseIn(demo.node("client1"), deal.requestId, "withdrawn");
    expect(purchase.state).toBe("withdrawn");
  });

  it("fails a request when more than m providers vanish, and the client's node withdraws the refund", async () => {
    const client = demo.node("client1");
    const terms = { k: 2, m: 1, duration: 3600, proofProbability: 1, collateralPerByte: 1000n };
    const deal = await buyStorage(demo, client, file("doomed.bin", 500_000), terms, quiet);
    await waitUntilStarted(client, deal, quiet);
    const vanished = deal.hosts.slice(0, 2);
    for (const host of vanished) await network.kill(host.name);

    const events = await waitForMarket(
      demo.publicClient,
      demo.market,
      deal.fromBlock,
      (all) => all.some((e) => e.eventName === "FundsWithdrawn" && e.args.requestId === deal.requestId),
      { what: "the request to fail and the refund to be withdrawn", timeoutMs: 180_000 },
    );
    expect(events.some((e) => e.eventName === "RequestFailed" && e.args.requestId === deal.requestId)).toBe(
      true,
    );
    const ids = slotIdsOf(deal);
    const freed = events.flatMap((e) => (e.eventName === "SlotFreed" ? [e.args.slotId] : []));
    expect(freed).toEqual(expect.arrayContaining(ids.slice(0, 2)));
    const refund = events.find(
      (e) => e.eventName === "FundsWithdrawn" && e.args.requestId === deal.requestId,
    );
    expect(refund?.eventName === "FundsWithdrawn" && refund.args.client).toBe(client.address);
    expect(refund?.eventName === "FundsWithdrawn" && refund.args.amount).toBeGreaterThan(0n);
    const purchase = await purchaseIn(client, deal.requestId, "withdrawn");
    expect(purchase.state).toBe("withdrawn");
    expect(BigInt(purchase.withdrawn)).toBe(
      refund?.eventName === "FundsWithdrawn" ? refund.args.amount : -1n,
    );
    // Nothing is left in the market for this request.
    const left = await demo.publicClient.readContract({
      address: demo.market,
      abi: storageMarketAbi,
      functionName: "withdrawable",
      args: [deal.requestId],
    });
    expect(left).toBe(0n);
  });
});
