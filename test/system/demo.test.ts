/**
 * `npm run demo`'s scenario, automated, on a whole network of real nodes (6 providers, a
 * client and a validator as `cairn start` processes): a deal is bought and starts, proofs
 * arrive, a provider is SIGKILLed, the validator marks its misses and it is slashed, its
 * slot is repaired by another provider from the other slots, the client fetches the file
 * back from several providers with paid retrieval, and the request then runs to its end:
 * the providers collect and the client withdraws.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marketEvents } from "../../scripts/demo/market-events.ts";
import { connectDemoNetwork, type DemoNetwork } from "../../scripts/demo/network.ts";
import { formatReport } from "../../scripts/demo/report.ts";
import { type DemoReport, runDemo } from "../../scripts/demo/scenario.ts";
import { purchaseIn, settleDeal, slotIdsOf } from "./deal-end.ts";
import { type SystemNetwork, startSystemNetwork } from "./network.ts";

describe("the demo scenario on a whole network", () => {
  let network: SystemNetwork;
  let demo: DemoNetwork;
  let report: DemoReport;
  const workDir = mkdtempSync(join(tmpdir(), "cairn-demo-"));
  const lines: string[] = [];

  beforeAll(async () => {
    network = await startSystemNetwork({ apiPortBase: 19_181, p2pPortBase: 19_201, indexer: true });
    demo = await connectDemoNetwork(network.stack);
  });

  afterAll(async () => {
    await network?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it("buys, proves, survives a killed provider by slashing and repair, and fetches the file back paid and intact", async () => {
    report = await runDemo(demo, {
      size: 1_500_000,
      terms: { k: 2, m: 2, duration: 400, proofProbability: 1, collateralPerByte: 1000n },
      workDir,
      client: "client1",
      timeouts: { startMs: 60_000, proofsMs: 60_000, repairMs: 180_000 },
      kill: (node) => network.kill(node.name),
      log: (line) => {
        lines.push(line);
        if (process.env.CAIRN_DEBUG) console.log(line);
      },
    });
    const { deal, repair, retrieval } = report;
    // Four slots on four different providers, each proving after the start.
    expect(new Set(deal.hosts.map((h) => h.name)).size).toBe(4);
    expect(report.proofs).toBeGreaterThanOrEqual(4);

    // The killed provider was marked by the validator and slashed for each miss, up to the
    // market's limit of three, and then freed; someone who held no slot of it repaired it.
    expect(repair.killed.name).toBe(deal.hosts[0]?.name);
    expect(repair.misses.length).toBe(3);
    for (const miss of repair.misses) {
      expect(miss.validator).toBe("validator");
      expect(miss.slashed).toBeGreaterThan(0n);
      expect(miss.reward).toBeGreaterThan(0n);
    }
    expect(repair.repairedBy).toMatch(/^provider\d$/);
    expect(deal.hosts.map((h) => h.name)).not.toContain(repair.repairedBy);

    // Byte for byte, from more than one provider, paid by voucher. A provider owed less
    // than half its payment threshold is paid with the client's next voucher to it (the
    // payer carries the debt), so not every provider need show a payment yet.
    expect(retrieval.matches).toBe(true);
    expect(retrieval.bytes).toBe(report.size);
    expect(retrieval.providers.length).toBeGreaterThanOrEqual(2);
    expect(retrieval.providers.some((provider) => provider.paid > 0n)).toBe(true);
    for (const provider of retrieval.providers) {
      expect(provider.blocks).toBeGreaterThan(0);
      expect(provider.name).not.toBe(repair.killed.name);
    }

    // The indexer tells the same story as the chain: hosts, the repair, proofs, misses, slashes.
    expect(report.indexer).toEqual([]);

    // The summary table names the gas each party spent.
    const spenders = report.gas.map((row) => row.name);
    expect(spenders).toEqual(expect.arrayContaining(["client1", "validator", repair.repairedBy]));
    const summary = formatReport(report);
    expect(summary).toContain("Gas spent");
    expect(summary).toContain(repair.repairedBy);
  });

  it("then runs the request to its end: every slot's host collects, and the client withdraws the rest", async () => {
    expect(report).toBeDefined();
    const { deal } = report;
    const slotIds = slotIdsOf(deal);
    const events = await settleDeal(network, demo, deal);
    expect(events.some((e) => e.eventName === "RequestFinished" && e.args.requestId === deal.requestId)).toBe(
      true,
    );
    // The repaired slot is collected by its new host, not by the killed one.
    const collectors = events.flatMap((e) =>
      e.eventName === "PaymentCollected" && e.args.slotId === slotIds[0] ? [e.args.provider] : [],
    );
    expect(collectors.map((address) => demo.byAddress(address)?.name)).toEqual([report.repair.repairedBy]);
    const client = demo.node("client1");
    const purchase = await purchaseIn(client, deal.requestId, "withdrawn");
    expect(purchase.state).toBe("withdrawn");
    expect(BigInt(purchase.withdrawn)).toBeGreaterThan(0n);
    // No other slot of the request was ever marked missing.
    const all = await marketEvents(demo.publicClient, demo.market, deal.fromBlock);
    const missed = all.flatMap((e) =>
      e.eventName === "ProofMissed" && slotIds.includes(e.args.slotId) ? [e.args.slotId] : [],
    );
    expect(new Set(missed)).toEqual(new Set([slotIds[0]]));
  });
});
