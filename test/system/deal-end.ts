/**
 * The end of a deal in a system test: chain time jumps past the request's end (blocks, and
 * so proof periods, do not), then the test waits until every slot's host has collected and
 * the client's node has withdrawn what is left.
 */
import type { Hex } from "viem";
import { getJson } from "../../node/src/cli/client.ts";
import { slotIdOf } from "../../node/src/core/ids.ts";
import { storageMarketAbi } from "../../node/src/generated/contracts.ts";
import type { BoughtDeal } from "../../scripts/demo/deal.ts";
import { type MarketEvent, waitForMarket } from "../../scripts/demo/market-events.ts";
import type { DemoNetwork, DemoNode } from "../../scripts/demo/network.ts";
import type { SystemNetwork } from "./network.ts";

export const slotIdsOf = (deal: BoughtDeal): Hex[] =>
  deal.hosts.map((_, index) => slotIdOf(deal.requestId, index));

/** Moves chain time just past the request's end. */
export async function runToEnd(network: SystemNetwork, demo: DemoNetwork, requestId: Hex): Promise<void> {
  const info = await demo.publicClient.readContract({
    address: demo.market,
    abi: storageMarketAbi,
    functionName: "requestInfo",
    args: [requestId],
  });
  const now = (await demo.publicClient.getBlock()).timestamp;
  if (BigInt(info.endsAt) > now) await network.increaseTime(Number(BigInt(info.endsAt) - now) + 1);
}

/** Runs the request to its end and waits for every collection and the client's withdrawal. */
export async function settleDeal(
  network: SystemNetwork,
  demo: DemoNetwork,
  deal: BoughtDeal,
): Promise<MarketEvent[]> {
  await runToEnd(network, demo, deal.requestId);
  const ids = slotIdsOf(deal);
  return waitForMarket(
    demo.publicClient,
    demo.market,
    deal.fromBlock,
    (all) =>
      all.some((e) => e.eventName === "FundsWithdrawn" && e.args.requestId === deal.requestId) &&
      ids.every((id) =>
        all.some((e) => e.eventName === "PaymentCollected" && e.args.slotId === id && e.args.payment > 0n),
      ),
    { what: "the request's end, the collections and the withdrawal", timeoutMs: 120_000 },
  );
}

export interface PurchaseView {
  state: string;
  withdrawn: string;
}

/**
 * The client's purchase once its node has recorded `state`: the node records a withdrawal
 * after the receipt, a moment after the chain's FundsWithdrawn event is visible.
 */
export async function purchaseIn(
  client: DemoNode,
  requestId: Hex,
  state: string,
  timeoutMs = 30_000,
): Promise<PurchaseView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const purchase = await getJson<PurchaseView>(client.endpoint, `/storage/requests/${requestId}`);
    if (purchase.state === state || Date.now() > deadline) return purchase;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
