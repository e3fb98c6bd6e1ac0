import { type Address, type Hex, isAddressEqual, type PublicClient, zeroAddress } from "viem";
import type { ChainEvent, ChainWatcher, TransactionSender } from "../chain/index.ts";
import { BLOCK_SIZE, createErasureCodec, type ErasureCodec, slotIdOf, splitSlotId } from "../core/index.ts";
import type { Logger } from "../logging/index.ts";
import { SlotState } from "../market/index.ts";
import type { Database, MetadataStore } from "../store/metadata/index.ts";
import { PollLoop } from "../utils/poll-loop.ts";
import type { Startable } from "../utils/startable.ts";
import {
  DEFAULT_SALES_POLL_INTERVAL_MS,
  DEFAULT_SOURCE_WAIT_MS,
  DEFAULT_TAKE_ATTEMPTS,
  TAKE_RETRY_MAX_MS,
  TAKE_RETRY_MIN_MS,
} from "./constants.ts";
import { SlotBusyError, SlotRefusedError } from "./errors.ts";
import { rebuildSlot } from "./rebuild.ts";
import type { Sales, SlotOffer } from "./sales.ts";
import { type CollectionRecord, SlotCollector } from "./slot-collector.ts";
import type { SlotSource } from "./slot-source.ts";

export interface SalesAgentInit {
  market: Address;
  /** Ms between passes. @default DEFAULT_SALES_POLL_INTERVAL_MS */
  pollIntervalMs?: number;
  /** Attempts per candidate slot. @default DEFAULT_TAKE_ATTEMPTS */
  attempts?: number;
  /** Collect finished slots' payouts on its own. @default true */
  collect?: boolean;
  /**
   * Ms before a slot is looked at again while fewer than k other slots can be fetched (the
   * client has not uploaded them yet). @default DEFAULT_SOURCE_WAIT_MS
   */
  sourceWaitMs?: number;
}

export interface SalesAgentComponents {
  publicClient: PublicClient;
  /** The node's transaction manager, for `collect`. */
  sender: TransactionSender;
  /**
   * Collects ended slots; share the one `cairn provider collect` uses, so both see the
   * other's collections. @default one of its own over these components
   */
  collector?: SlotCollector;
  metadata: MetadataStore;
  watcher: ChainWatcher;
  sales: Sales;
  /** Where other slots are fetched from for a rebuild. */
  source: SlotSource;
  logger: Logger;
  /** @default a new WASM codec */
  codec?: ErasureCodec;
}

interface CandidateRow {
  slot_id: Hex;
  request_id: Hex;
  slot_index: number;
  kind: "new" | "repair";
  attempts: number;
}

/** Refusals after which a candidate is dropped for good (others may pass with time). */
const FINAL_REFUSALS = new Set([
  "unknown-request",
  "unknown-slot",
  "request-not-open",
  // Filled or repaired by someone: a later SlotFreed makes it a candidate again.
  "slot-not-free",
  "designated-to-other",
  "already-held",
]);

/**
 * The provider's agent. It hears of slots through the chain watcher (`StorageRequested`:
 * every slot of a new request; `SlotFreed`: a slot to repair) and writes them as candidates
 * in the same transaction the watcher marks the event handled in, so none is lost to a
 * crash. Its loop then takes each candidate the policy accepts: it fetches k other slots
 * of the request from their hosts, rebuilds this one from them (Reed-Solomon) as it
 * streams, and hands the bytes to `Sales.take`, which checks them against the chain's root
 * and fills the slot. A designated slot whose client has not uploaded it is rebuilt the same
 * way once k other slots are filled. A candidate that fails is tried again with backoff.
 *
 * It also collects: a held slot whose request has finished, failed or was cancelled is
 * `collect`ed once, and the payout recorded.
 */
export class SalesAgent implements Startable {
  readonly #metadata: MetadataStore;
  readonly #sales: Sales;
  readonly #source: SlotSource;
  readonly #log: Logger;
  readonly #collector: SlotCollector;
  readonly #attempts: number;
  readonly #collect: boolean;
  readonly #sourceWaitMs: number;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #loop: PollLoop;
  #codec: ErasureCodec | undefined;

  constructor(components: SalesAgentComponents, init: SalesAgentInit) {
    this.#metadata = components.metadata;
    this.#sales = components.sales;
    this.#source = components.source;
    this.#log = components.logger;
    this.#codec = components.codec;
    this.#collector =
      components.collector ??
      new SlotCollector(
        {
          publicClient: components.publicClient,
          sender: components.sender,
          metadata: components.metadata,
          logger: components.logger,
        },
        { market: init.market },
      );
    this.#loop = new PollLoop((signal) => this.pass(signal), {
      intervalMs: init.pollIntervalMs ?? DEFAULT_SALES_POLL_INTERVAL_MS,
      logger: this.#log,
      failure: "sales pass failed; retrying",
    });
    this.#attempts = init.attempts ?? DEFAULT_TAKE_ATTEMPTS;
    this.#collect = init.collect ?? true;
    this.#sourceWaitMs = init.sourceWaitMs ?? DEFAULT_SOURCE_WAIT_MS;
    const watcher = components.watcher;
    this.#unsubscribe.push(
      watcher.subscribe({ contract: "StorageMarket", eventName: "StorageRequested" }, (event, db) =>
        this.#onRequested(event, db),
      ),
      watcher.subscribe({ contract: "StorageMarket", eventName: "SlotFreed" }, (event, db) =>
        this.#onFreed(event, db),
      ),
    );
  }

  async start(): Promise<void> {
    if (this.#loop.running) return;
    this.#codec ??= await createErasureCodec();
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** One pass: unfinished fills, candidates due now, then collections. Exposed for tests and diagnostics. */
  async pass(signal?: AbortSignal): Promise<void> {
    // Fills that ran out of attempts (a congested chain) are tried again here.
    await this.#sales.resumeFills(signal);
    for (const candidate of this.#dueCandidates()) {
      if (signal?.aborted) return;
      await this.#consider(candidate, signal);
    }
    if (this.#collect) await this.#collector.collectEnded({ pastEndOnly: true, signal });
  }

  /** A candidate's state and detail (tests, diagnostics). */
  candidate(slotId: Hex): { state: string; detail: string | null; attempts: number } | undefined {
    return this.#metadata.database
      .prepare("SELECT state, detail, attempts FROM sales_candidates WHERE slot_id = ?")
      .get(slotId) as { state: string; detail: string | null; attempts: number } | undefined;
  }

  /** The recorded payout of a collected slot (tests, diagnostics). */
  collection(slotId: Hex): CollectionRecord | undefined {
    return this.#collector.recorded(slotId);
  }

  #onRequested(event: ChainEvent, db: Database): void {
    const requestId = event.args.requestId as Hex;
    const request = event.args.request as { slotRoots: readonly Hex[] };
    const insert = db.prepare(
      `INSERT INTO sales_candidates (slot_id, request_id, slot_index, kind, state, next_attempt_at, updated_at)
       VALUES (?, ?, ?, 'new', 'pending', ?, ?) ON CONFLICT (slot_id) DO NOTHING`,
    );
    const now = Date.now();
    for (let index = 0; index < request.slotRoots.length; index++) {
      const slotId = slotIdOf(requestId, index);
      insert.run(slotId, requestId, index, now, now);
    }
  }

  #onFreed(event: ChainEvent, db: Database): void {
    const slotId = event.args.slotId as Hex;
    // This node's own slot freed: it failed to keep it, and is not the one to repair it.
    if (isAddressEqual(event.args.provider as Address, this.#sales.address)) return;
    const { requestId, index } = splitSlotId(slotId);
    const now = Date.now();
    db.prepare(
      `INSERT INTO sales_candidates (slot_id, request_id, slot_index, kind, state, next_attempt_at, updated_at)
       VALUES (?, ?, ?, 'repair', 'pending', ?, ?)
       ON CONFLICT (slot_id) DO UPDATE SET kind = 'repair', state = 'pending', attempts = 0, detail = NULL,
         next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`,
    ).run(slotId, requestId, index, now, now);
  }

  #dueCandidates(): CandidateRow[] {
    return this.#metadata.database
      .prepare(
        `SELECT slot_id, request_id, slot_index, kind, attempts FROM sales_candidates
         WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, slot_id`,
      )
      .all(Date.now()) as unknown as CandidateRow[];
  }

  async #consider(candidate: CandidateRow, signal?: AbortSignal): Promise<void> {
    const { request_id: requestId, slot_index: index, slot_id: slotId } = candidate;
    let offer: SlotOffer;
    try {
      offer = await this.#sales.offer(requestId, index);
    } catch (err) {
      if (err instanceof SlotBusyError) return; // an upload is under way; look again later
      if (err instanceof SlotRefusedError) {
        if (FINAL_REFUSALS.has(err.reason)) this.#settle(slotId, "declined", err.message);
        else if (err.reason === "declined-by-policy") this.#settle(slotId, "declined", err.message);
        else this.#retry(candidate, err.message);
        return;
      }
      throw err;
    }
    const sources = await this.#openSources(offer, signal);
    if (sources === undefined) {
      this.#wait(candidate, `fewer than ${offer.terms.dataSlots} other slots can be fetched yet`);
      return;
    }
    try {
      const { terms } = offer;
      const taken = await this.#sales.take(
        requestId,
        index,
        rebuildSlot(this.#mustCodec(), sources, {
          index,
          k: terms.dataSlots,
          m: terms.slots - terms.dataSlots,
          blockSize: BLOCK_SIZE,
          stripes: Number(terms.slotSize) / BLOCK_SIZE,
        }),
        { signal, source: offer.opening.repair ? "repair" : "rebuild" },
      );
      this.#settle(slotId, "taken", taken.transactionHash ?? null);
      this.#log.info("slot taken", { slotId, repair: offer.opening.repair, hash: taken.transactionHash });
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof SlotRefusedError && FINAL_REFUSALS.has(err.reason)) {
        this.#settle(slotId, "declined", err.message);
        return;
      }
      this.#retry(candidate, (err as Error).message.split("\n")[0] ?? String(err));
    } finally {
      await Promise.all(sources.map((s) => (s as AsyncIterator<Uint8Array> | undefined)?.return?.()));
    }
  }

  /** Opens exactly k other filled slots of the request, or undefined when fewer answer. */
  async #openSources(
    offer: SlotOffer,
    signal?: AbortSignal,
  ): Promise<(AsyncIterable<Uint8Array> | undefined)[] | undefined> {
    const { terms } = offer;
    const sources: (AsyncIterable<Uint8Array> | undefined)[] = Array.from({ length: terms.slots });
    let opened = 0;
    for (let other = 0; other < terms.slots && opened < terms.dataSlots; other++) {
      if (other === terms.index) continue;
      const otherTerms = await this.#sales.terms.read(terms.requestId, other);
      if (otherTerms.slotState !== SlotState.Filled || isAddressEqual(otherTerms.host, zeroAddress)) continue;
      const stream = await this.#source.open(
        { requestId: terms.requestId, index: other, host: otherTerms.host, slotSize: terms.slotSize },
        signal,
      );
      if (stream === undefined) continue;
      sources[other] = stream;
      opened++;
    }
    if (opened < terms.dataSlots) {
      await Promise.all(sources.map((s) => (s as AsyncIterator<Uint8Array> | undefined)?.return?.()));
      return undefined;
    }
    return sources;
  }

  #settle(slotId: Hex, state: "taken" | "declined" | "failed", detail: string | null): void {
    this.#metadata.database
      .prepare("UPDATE sales_candidates SET state = ?, detail = ?, updated_at = ? WHERE slot_id = ?")
      .run(state, detail, Date.now(), slotId);
  }

  /** Looks at the candidate again after `sourceWaitMs`, without using up an attempt. */
  #wait(candidate: CandidateRow, detail: string): void {
    this.#metadata.database
      .prepare(
        "UPDATE sales_candidates SET detail = ?, next_attempt_at = ?, updated_at = ? WHERE slot_id = ?",
      )
      .run(detail, Date.now() + this.#sourceWaitMs, Date.now(), candidate.slot_id);
  }

  /** Tries the candidate again later, with backoff, until its attempts are used up. */
  #retry(candidate: CandidateRow, detail: string): void {
    const attempts = candidate.attempts + 1;
    if (attempts >= this.#attempts) {
      this.#settle(candidate.slot_id, "failed", detail);
      this.#log.warn("gave up on a slot", { slotId: candidate.slot_id, detail });
      return;
    }
    const delay = Math.min(TAKE_RETRY_MIN_MS * 2 ** attempts, TAKE_RETRY_MAX_MS);
    this.#metadata.database
      .prepare(
        "UPDATE sales_candidates SET attempts = ?, detail = ?, next_attempt_at = ?, updated_at = ? WHERE slot_id = ?",
      )
      .run(attempts, detail, Date.now() + delay, Date.now(), candidate.slot_id);
  }

  #mustCodec(): ErasureCodec {
    if (this.#codec === undefined) throw new Error("internal: the sales agent is not started");
    return this.#codec;
  }
}
