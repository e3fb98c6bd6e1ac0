/**
 * The demo's first half: the client node stores a file erasure-coded, buys storage for it
 * (the node quotes, pays the escrow and pushes each slot to its provider), the request
 * starts, and the providers' proofs arrive period after period.
 */
import type { Hex } from "viem";
import { getJson, postJson, uploadFile } from "../../node/src/cli/client.ts";
import { ApiResponseError } from "../../node/src/cli/errors.ts";
import { slotIdOf } from "../../node/src/core/ids.ts";
import { ChainError } from "../chain/errors.ts";
import { sleep } from "../chain/rpc.ts";
import { waitForMarket } from "./market-events.ts";
import type { DemoNetwork, DemoNode } from "./network.ts";

export interface DealTerms {
  k: number;
  m: number;
  /** Seconds the data is kept. */
  duration: number;
  /** A slot proves in a period with probability 1 / proofProbability. */
  proofProbability: number;
  /** Wei each provider locks per byte of its slot: what a missed proof is slashed from. */
  collateralPerByte: bigint;
}

export interface BoughtDeal {
  requestId: Hex;
  manifestCid: string;
  escrow: bigint;
  /** The block the request was sent from: where the demo's event scans start. */
  fromBlock: bigint;
  /** Slot index → the node holding it. */
  hosts: DemoNode[];
}

interface PurchaseView {
  state: string;
  escrow: string;
  filledSlots: number;
  lastError?: string;
  slots: { index: number; provider: string }[];
}

const QUOTE_RETRY_MS = 2_000;

/**
 * Quotes until enough providers can take a slot: right after `npm start` they are still
 * inside the registry's activation delay, and the quote says until when.
 */
async function waitForQuote(
  client: DemoNode,
  body: Record<string, unknown>,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      await postJson(client.endpoint, "/storage/quote", body);
      return;
    } catch (error) {
      const retry = error instanceof ApiResponseError && error.field === "providers";
      if (!retry || Date.now() > deadline) throw error;
      if (!told) log(`  waiting for enough providers to be active: ${(error as Error).message}`);
      told = true;
      await sleep(QUOTE_RETRY_MS);
    }
  }
}

export async function buyStorage(
  network: DemoNetwork,
  client: DemoNode,
  file: string,
  terms: DealTerms,
  { log, timeoutMs }: { log: (line: string) => void; timeoutMs: number },
): Promise<BoughtDeal> {
  log(`${client.name} stores the file, erasure-coded into ${terms.k} data + ${terms.m} parity slots ...`);
  const uploaded = await uploadFile(client.endpoint, file, { erasure: { k: terms.k, m: terms.m } });
  const manifestCid = uploaded.manifestCid ?? uploaded.cid;
  log(`  dataset ${manifestCid} (${uploaded.blockCount} blocks)`);

  const quoteBody = {
    cid: manifestCid,
    duration: terms.duration,
    collateralPerByte: String(terms.collateralPerByte),
  };
  await waitForQuote(client, quoteBody, timeoutMs, log);
  const fromBlock = await network.publicClient.getBlockNumber();
  const bought = await postJson<{ requestId: Hex; purchase: PurchaseView }>(
    client.endpoint,
    "/storage/requests",
    { ...quoteBody, proofProbability: terms.proofProbability },
  );
  const hosts = bought.purchase.slots.map((slot) => {
    const host = network.byAddress(slot.provider);
    if (host === undefined)
      throw new ChainError(`slot ${slot.index} went to ${slot.provider}, not a stack node`);
    return host;
  });
  log(`  request ${bought.requestId}: escrow ${bought.purchase.escrow} wei paid into the market`);
  for (const [index, host] of hosts.entries()) log(`  slot ${index} → ${host.name}`);
  return {
    requestId: bought.requestId,
    manifestCid,
    escrow: BigInt(bought.purchase.escrow),
    fromBlock,
    hosts,
  };
}

/** Follows the purchase until every slot is filled and the request has started. */
export async function waitUntilStarted(
  client: DemoNode,
  deal: BoughtDeal,
  { log, timeoutMs }: { log: (line: string) => void; timeoutMs: number },
): Promise<void> {
  log(
    "the client's node pushes each slot to its provider; each checks it against the chain and fills it ...",
  );
  const deadline = Date.now() + timeoutMs;
  let filled = -1;
  for (;;) {
    const purchase = await getJson<PurchaseView>(client.endpoint, `/storage/requests/${deal.requestId}`);
    if (purchase.filledSlots !== filled) {
      filled = purchase.filledSlots;
      log(`  ${filled} of ${deal.hosts.length} slots filled`);
    }
    if (purchase.state === "started") return;
    if (!["requested", "uploading"].includes(purchase.state)) {
      throw new ChainError(
        `the purchase went ${purchase.state} instead of starting: ${purchase.lastError ?? ""}`,
      );
    }
    if (Date.now() > deadline) {
      throw new ChainError(
        `the request did not start within ${timeoutMs / 1000} s (${filled} slots filled; ${purchase.lastError ?? "no error"})`,
      );
    }
    await sleep(1_000);
  }
}

/** Waits until every slot has proven at least once after the request started. */
export async function waitForProofs(
  network: DemoNetwork,
  deal: BoughtDeal,
  { log, timeoutMs }: { log: (line: string) => void; timeoutMs: number },
): Promise<number> {
  log("proofs arrive: each provider proves its slot from the period's seed ...");
  const slotIds = deal.hosts.map((_, index) => slotIdOf(deal.requestId, index));
  let startPeriod: bigint | undefined;
  const proven = new Set<number>();
  const events = await waitForMarket(
    network.publicClient,
    network.market,
    deal.fromBlock,
    () => proven.size === slotIds.length,
    {
      what: "a proof from every slot",
      timeoutMs,
      onEvent: (event) => {
        if (event.eventName === "RequestStarted" && event.args.requestId === deal.requestId) {
          startPeriod = BigInt(event.args.startPeriod);
        }
        if (event.eventName !== "ProofSubmitted" || startPeriod === undefined) return;
        const index = slotIds.indexOf(event.args.slotId as Hex);
        if (index < 0 || BigInt(event.args.period) <= startPeriod) return;
        proven.add(index);
        log(`  period ${event.args.period}: ${deal.hosts[index]?.name} proved slot ${index}`);
      },
    },
  );
  return events.filter((e) => e.eventName === "ProofSubmitted" && slotIds.includes(e.args.slotId as Hex))
    .length;
}
