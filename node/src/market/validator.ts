import { type Address, type Hex, parseEventLogs, type PublicClient } from "viem";
import { type ChainWatcher, ContractRevertError, type TransactionSender } from "../chain/index.ts";
import { isProofRequired } from "../core/index.ts";
import { storageMarketAbi } from "../generated/contracts.ts";
import type { Logger } from "../logging/index.ts";
import { type Counter, counter, type Registry } from "../metrics/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import { PollLoop } from "../utils/poll-loop.ts";
import type { Startable } from "../utils/startable.ts";
import { DEFAULT_MARKET_POLL_INTERVAL_MS } from "./constants.ts";
import { type MarketTiming, periodBounds, readMarketTiming } from "./market-config.ts";
import { ValidatorSlotStore, type WatchedSlot } from "./validator-slots.ts";

export interface ValidatorInit {
  /** The StorageMarket's address. */
  market: Address;
  /** Ms between head checks. @default DEFAULT_MARKET_POLL_INTERVAL_MS (1000) */
  pollIntervalMs?: number;
}

export interface ValidatorComponents {
  publicClient: PublicClient;
  /** The node's transaction manager (marks share the node's nonces). */
  sender: TransactionSender;
  metadata: MetadataStore;
  /** The watcher whose StorageMarket events keep the validator's slot table; not started yet. */
  watcher: ChainWatcher;
  logger: Logger;
  metrics?: Registry;
}

interface Metrics {
  marks: Counter;
  rewards: Counter;
  notMissing: Counter;
}

/** Reverts that mean "nothing to mark here", not a fault: the proof came, or someone marked first. */
const NOTHING_TO_MARK = new Set([
  "StorageMarketProofNotMissing",
  "StorageMarketMissAlreadyMarked",
  "StorageMarketProofNotRequired",
  "StorageMarketSlotNotFilled",
  "StorageMarketRequestNotStarted",
]);

/**
 * The optional validator role: after each period, it marks the missing proofs of every
 * running slot within the marking window, and is paid part of each slash.
 *
 * It knows the running slots from the chain watcher's events (requests, starts, fills,
 * frees, ends), and only looks at a period once the watcher has delivered every event up to
 * its end. For each slot it works out from the period's seed (the first block's hash, which
 * the contract also uses) whether a proof was due. For a due slot it sends
 * `markProofAsMissing`, which the transaction manager simulates first: a proof that was
 * submitted (or a miss someone else marked first) reverts in simulation, so it is never
 * marked and nothing is sent; that is logged at debug level and not an alert.
 */
export class Validator implements Startable {
  readonly #client: PublicClient;
  readonly #sender: TransactionSender;
  readonly #watcher: ChainWatcher;
  readonly #slots: ValidatorSlotStore;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #market: Address;
  /** Periods whose due slots were all dealt with. */
  readonly #checked = new Set<bigint>();
  #timing: MarketTiming | undefined;
  readonly #loop: PollLoop;

  constructor(components: ValidatorComponents, init: ValidatorInit) {
    this.#client = components.publicClient;
    this.#sender = components.sender;
    this.#watcher = components.watcher;
    this.#log = components.logger;
    this.#market = init.market;
    this.#loop = new PollLoop((signal) => this.#tick(signal), {
      intervalMs: init.pollIntervalMs ?? DEFAULT_MARKET_POLL_INTERVAL_MS,
      logger: this.#log,
      failure: "validator tick failed; retrying",
    });
    this.#slots = new ValidatorSlotStore(components.metadata, components.logger);
    // Subscribed now, so that the watcher (started after this object exists) misses nothing.
    this.#slots.follow(this.#watcher);
    if (components.metrics !== undefined) {
      const registry = components.metrics;
      this.#metrics = {
        marks: counter(registry, {
          name: "cairn_market_validator_marks_total",
          help: "Missed proofs this validator marked",
        }),
        rewards: counter(registry, {
          name: "cairn_market_validator_reward_wei_total",
          help: "Wei paid to this validator for its marks",
        }),
        notMissing: counter(registry, {
          name: "cairn_market_validator_not_missing_total",
          help: "Due proofs that turned out submitted (or already marked) when checked on-chain",
        }),
      };
    }
  }

  /** The validator's view of slots and its marks. */
  get slots(): ValidatorSlotStore {
    return this.#slots;
  }

  async start(): Promise<void> {
    if (this.#loop.running) return;
    this.#timing = await readMarketTiming(this.#client, this.#market);
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  async #tick(signal: AbortSignal): Promise<void> {
    const timing = this.#mustTiming();
    const head = await this.#client.getBlock({ blockTag: "latest" });
    const delivered = this.#watcher.cursor?.number ?? -1n;
    const current = head.number / timing.periodBlocks;
    // Every period whose window is still open for a transaction mined in the next block.
    for (let period = current - 1n; period >= 0n; period--) {
      const { last } = periodBounds(period, timing);
      const windowEnd = last + timing.markingWindow; // the last block a mark can land in
      if (head.number + 1n > windowEnd) break;
      if (this.#checked.has(period) || delivered < last) continue;
      if (await this.#checkPeriod(period, windowEnd, Number(head.timestamp), signal))
        this.#checked.add(period);
    }
    for (const period of this.#checked) if (period < current - 64n) this.#checked.delete(period);
  }

  /** Marks the due, missing proofs of `period`; false when it should be looked at again. */
  async #checkPeriod(
    period: bigint,
    deadlineBlock: bigint,
    now: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const timing = this.#mustTiming();
    const { first } = periodBounds(period, timing);
    const seed = (await this.#client.getBlock({ blockNumber: first })).hash;
    let complete = true;
    for (const slot of this.#slots.running(now)) {
      if (signal.aborted) return false;
      if (!this.#isDue(slot, period, seed) || this.#slots.markOutcome(slot.slotId, period) !== undefined)
        continue;
      if (!(await this.#mark(slot, period, deadlineBlock, signal))) complete = false;
    }
    return complete;
  }

  #isDue(slot: WatchedSlot, period: bigint, seed: Hex): boolean {
    const filledPeriod = slot.filledBlock / this.#mustTiming().periodBlocks;
    return (
      period > slot.startPeriod &&
      period > filledPeriod &&
      isProofRequired(seed, slot.slotId, slot.proofProbability)
    );
  }

  /** Sends one mark; false when it failed for a reason worth another try. */
  async #mark(
    slot: WatchedSlot,
    period: bigint,
    deadlineBlock: bigint,
    signal: AbortSignal,
  ): Promise<boolean> {
    try {
      const { hash, receipt } = await this.#sender.send(
        {
          address: this.#market,
          abi: storageMarketAbi,
          functionName: "markProofAsMissing",
          args: [slot.slotId, period],
        },
        { label: "markProofAsMissing", deadlineBlock, signal },
      );
      const [missed] = parseEventLogs({
        abi: storageMarketAbi,
        logs: receipt.logs,
        eventName: "ProofMissed",
      });
      const reward = missed?.args.reward ?? 0n;
      this.#slots.recordMark(slot.slotId, period, "marked", { txHash: hash, reward });
      this.#metrics?.marks.inc();
      this.#metrics?.rewards.inc(Number(reward));
      this.#log.info("missed proof marked", { slotId: slot.slotId, period, host: slot.host, reward, hash });
      return true;
    } catch (err) {
      if (err instanceof ContractRevertError) {
        if (NOTHING_TO_MARK.has(err.errorName)) {
          this.#slots.recordMark(slot.slotId, period, "not-missing");
          this.#metrics?.notMissing.inc();
        }
        // Not an alert: the chain said no before anything was sent.
        this.#log.debug("nothing to mark", { slotId: slot.slotId, period, error: err.errorName });
        return true;
      }
      if (signal.aborted) return false;
      this.#log.warn("could not send a mark", {
        slotId: slot.slotId,
        period,
        err: (err as Error).message.split("\n")[0],
      });
      return (err as { name?: unknown }).name === "TransactionDeadlineError";
    }
  }

  #mustTiming(): MarketTiming {
    if (this.#timing === undefined) throw new Error("internal: the validator is not started");
    return this.#timing;
  }
}
