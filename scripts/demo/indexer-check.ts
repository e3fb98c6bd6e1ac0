/**
 * The demo's closing check on the indexer: once it has caught up with the chain, its
 * GraphQL answers must tell the same story the chain's events did: the request and its
 * slots with their hosts (the repaired slot under its new host), every proof, every
 * missed proof and the killed provider's slashes.
 */
import { ChainError } from "../chain/errors.ts";
import { sleep } from "../chain/rpc.ts";
import type { DemoReport } from "./scenario.ts";

export interface IndexedDeal {
  state: string;
  slots: { index: number; host: string | null; repaired: boolean; proofCount: number }[];
  missedProofs: { period: string; slashed: string }[];
  killedProvider: { proofsMissed: number; totalSlashed: string; slashes: { amount: string }[] };
}

const QUERY = `query Deal($request: ID!, $requestRef: String!, $provider: ID!) {
  _meta { block { number } }
  storageRequest(id: $request) {
    state
    slots(orderBy: index) { index host { id } repaired proofCount }
  }
  missedProofs(where: { request: $requestRef }, orderBy: period) { period slashed }
  provider(id: $provider) { proofsMissed totalSlashed slashes { amount } }
}`;

interface Answer {
  _meta: { block: { number: number } };
  storageRequest: {
    state: string;
    slots: { index: number; host: { id: string } | null; repaired: boolean; proofCount: number }[];
  } | null;
  missedProofs: { period: string; slashed: string }[];
  provider: IndexedDeal["killedProvider"] | null;
}

async function query(url: string, variables: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: QUERY, variables }),
  });
  const body = (await response.json()) as { data?: Answer; errors?: { message: string }[] };
  if (body.errors !== undefined || body.data === undefined) {
    throw new ChainError(`the indexer refused the query: ${body.errors?.map((e) => e.message).join("; ")}`);
  }
  return body.data;
}

/** Waits until the indexer has indexed `report.toBlock`, then reads the deal back from it. */
export async function readIndexedDeal(
  graphqlUrl: string,
  report: DemoReport,
  timeoutMs: number,
): Promise<IndexedDeal> {
  const request = report.deal.requestId.toLowerCase();
  const variables = {
    request,
    requestRef: request,
    provider: report.repair.killed.address.toLowerCase(),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await query(graphqlUrl, variables);
    if (
      BigInt(answer._meta.block.number) >= report.toBlock &&
      answer.storageRequest !== null &&
      answer.provider !== null
    ) {
      return {
        state: answer.storageRequest.state,
        slots: answer.storageRequest.slots.map((slot) => ({ ...slot, host: slot.host?.id ?? null })),
        missedProofs: answer.missedProofs,
        killedProvider: answer.provider,
      };
    }
    if (Date.now() > deadline) {
      throw new ChainError(`the indexer did not reach block ${report.toBlock} within ${timeoutMs / 1000} s`);
    }
    await sleep(1_000);
  }
}

/** What the indexer says that the chain's events do not: an empty list when they agree. */
export function indexerDisagreements(indexed: IndexedDeal, report: DemoReport): string[] {
  const problems: string[] = [];
  const { deal, repair } = report;
  const expectedHost = (index: number) =>
    (index === repair.slotIndex ? repair.repairedByAddress : deal.hosts[index]?.address)?.toLowerCase();
  for (const [index] of deal.hosts.entries()) {
    const slot = indexed.slots.find((s) => s.index === index);
    if (slot === undefined) problems.push(`slot ${index} is missing`);
    else {
      if (slot.host !== expectedHost(index))
        problems.push(`slot ${index}'s host is ${slot.host}, not ${expectedHost(index)}`);
      if (slot.repaired !== (index === repair.slotIndex))
        problems.push(`slot ${index}'s repaired flag is ${slot.repaired}`);
    }
  }
  const proofs = indexed.slots.reduce((sum, slot) => sum + slot.proofCount, 0);
  if (proofs < report.proofs)
    problems.push(`${proofs} proofs indexed, the chain had ${report.proofs} by the proofs step`);
  const periods = indexed.missedProofs.map((m) => BigInt(m.period));
  const chainPeriods = repair.misses.map((m) => m.period);
  if (periods.join() !== chainPeriods.join())
    problems.push(`missed periods ${periods.join()} ≠ the chain's ${chainPeriods.join()}`);
  const slashed = repair.misses.reduce((sum, miss) => sum + miss.slashed, 0n);
  const indexedSlashes = indexed.killedProvider.slashes.reduce((sum, s) => sum + BigInt(s.amount), 0n);
  if (indexedSlashes < slashed)
    problems.push(`slashes of ${indexedSlashes} wei indexed, the chain slashed ${slashed} wei`);
  if (indexed.killedProvider.proofsMissed !== repair.misses.length)
    problems.push(
      `${indexed.killedProvider.proofsMissed} missed proofs on the provider, the chain marked ${repair.misses.length}`,
    );
  return problems;
}
