/**
 * `npm run demo`'s scenario against a running network, step by step:
 *   1. the client node buys storage for a real file;
 *   2. the request starts and proofs arrive;
 *   3. one provider is killed, slashed, and its slot repaired by another;
 *   4. the client fetches the file back with paid retrieval from several providers and
 *      checks it byte for byte;
 *   5. with an indexer, its answers are checked against the chain's events;
 * then sums up gas, payments and slashes. The system tests run the same function and
 * assert on its report.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChainError } from "../chain/errors.ts";
import { type BoughtDeal, buyStorage, type DealTerms, waitForProofs, waitUntilStarted } from "./deal.ts";
import { indexerDisagreements, readIndexedDeal } from "./indexer-check.ts";
import { type GasRow, gasByAccount } from "./ledger.ts";
import type { DemoNetwork, DemoNode } from "./network.ts";
import { killAndRepair, type RepairOutcome } from "./repair.ts";
import { fetchBack, type RetrievalOutcome, sha256File } from "./retrieval.ts";

export interface DemoTimeouts {
  /** For the quote (providers' activation) and the request to start. */
  startMs: number;
  proofsMs: number;
  /** From the kill to the repair's fill: a few periods of misses, then a rebuild. */
  repairMs: number;
}

export interface DemoOptions {
  /** The file to store; without one, a file of `size` random bytes is written to `workDir`. */
  file?: string;
  size: number;
  terms: DealTerms;
  workDir: string;
  client: string;
  timeouts: DemoTimeouts;
  /** Kills a provider's node outright (SIGKILL). */
  kill: (node: DemoNode) => Promise<void>;
  log: (line: string) => void;
}

export interface DemoReport {
  file: string;
  size: number;
  deal: BoughtDeal;
  proofs: number;
  repair: RepairOutcome;
  retrieval: RetrievalOutcome;
  gas: GasRow[];
  toBlock: bigint;
  /** What the indexer got wrong (empty: it agrees with the chain); undefined without an indexer. */
  indexer?: string[];
}

function prepareFile(options: DemoOptions): string {
  if (options.file !== undefined) return options.file;
  mkdirSync(options.workDir, { recursive: true });
  const path = join(options.workDir, `sample-${options.size}.bin`);
  writeFileSync(path, randomBytes(options.size));
  return path;
}

/** The providers that answer, with one spare beyond the request's slots for the repair. */
function checkProviders(network: DemoNetwork, terms: DealTerms): void {
  const providers = network.nodes.filter((node) => node.name.startsWith("provider"));
  const needed = terms.k + terms.m + 1;
  if (providers.length < needed) {
    throw new ChainError(
      `the demo needs ${needed} running providers (${terms.k + terms.m} slots and one to repair); ` +
        `${providers.length} answer. An earlier demo may have killed some: restart \`npm start\`.`,
    );
  }
}

export async function runDemo(network: DemoNetwork, options: DemoOptions): Promise<DemoReport> {
  const { log, terms, timeouts } = options;
  checkProviders(network, terms);
  const client = network.node(options.client);
  const file = prepareFile(options);
  const size = statSync(file).size;
  const original = { sha256: await sha256File(file) };

  log(`\n1. ${client.name} buys storage for ${file} (${size} bytes)`);
  const deal = await buyStorage(network, client, file, terms, { log, timeoutMs: timeouts.startMs });
  await waitUntilStarted(client, deal, { log, timeoutMs: timeouts.startMs });

  log("\n2. The request has started");
  const proofs = await waitForProofs(network, deal, { log, timeoutMs: timeouts.proofsMs });

  log("\n3. A provider fails");
  const repair = await killAndRepair(network, deal, options.kill, { log, timeoutMs: timeouts.repairMs });

  log("\n4. Paid retrieval");
  const retrieval = await fetchBack(network, client, deal.manifestCid, original, {
    log,
    workDir: options.workDir,
  });

  const toBlock = await network.publicClient.getBlockNumber();
  const gas = await gasByAccount(network.publicClient, network.nodes, deal.fromBlock, toBlock);
  const report: DemoReport = { file, size, deal, proofs, repair, retrieval, gas, toBlock };
  if (network.stack.graphqlUrl !== "") {
    log("\n5. The indexer");
    const indexed = await readIndexedDeal(network.stack.graphqlUrl, report, timeouts.proofsMs);
    report.indexer = indexerDisagreements(indexed, report);
    const proofs = indexed.slots.reduce((sum, slot) => sum + slot.proofCount, 0);
    log(
      `  ${network.stack.graphqlUrl}: request ${indexed.state}, ${proofs} proofs, ${indexed.missedProofs.length} missed, ` +
        `${indexed.killedProvider.slashes.length} slashes of ${repair.killed.name}`,
    );
    for (const problem of report.indexer) log(`  DISAGREES: ${problem}`);
    if (report.indexer.length === 0)
      log("  it agrees with the chain on every slot, host, proof, miss and slash");
  }
  return report;
}
