/**
 * Following StorageMarket's events from a block on: the demo waits on them (a request
 * started, a proof, a miss marked, a slot freed and filled again) and sums them up.
 */
import { type Address, type Hex, parseEventLogs, type PublicClient } from "viem";
import { storageMarketAbi } from "../../node/src/generated/contracts.ts";
import { ChainError } from "../chain/errors.ts";
import { sleep } from "../chain/rpc.ts";

type MarketLogs = ReturnType<typeof parseEventLogs<typeof storageMarketAbi>>;
export type MarketEvent = MarketLogs[number];

/** Every market event from `fromBlock` to the head, in chain order. */
export async function marketEvents(
  client: PublicClient,
  market: Address,
  fromBlock: bigint,
): Promise<MarketEvent[]> {
  const logs = await client.getLogs({ address: market, fromBlock, toBlock: "latest" });
  return parseEventLogs({ abi: storageMarketAbi, logs });
}

/** An event's slot id, for the events that carry one. */
export function slotIdOfEvent(event: MarketEvent): Hex | undefined {
  return "slotId" in event.args ? (event.args.slotId as Hex) : undefined;
}

export interface WaitOptions {
  /** What is awaited, for the timeout's message. */
  what: string;
  timeoutMs: number;
  pollMs?: number;
  /** Called once for each event seen for the first time. */
  onEvent?: (event: MarketEvent) => void;
}

/**
 * Polls the market's events from `fromBlock` until `done` holds over all of them, calling
 * `onEvent` for each new one on the way. Fails naming `what` after the timeout.
 */
export async function waitForMarket(
  client: PublicClient,
  market: Address,
  fromBlock: bigint,
  done: (events: MarketEvent[]) => boolean,
  options: WaitOptions,
): Promise<MarketEvent[]> {
  const deadline = Date.now() + options.timeoutMs;
  let seen = 0;
  for (;;) {
    const events = await marketEvents(client, market, fromBlock);
    for (const event of events.slice(seen)) options.onEvent?.(event);
    seen = events.length;
    if (done(events)) return events;
    if (Date.now() > deadline) {
      throw new ChainError(
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}`,
      );
    }
    await sleep(options.pollMs ?? 1_000);
  }
}
