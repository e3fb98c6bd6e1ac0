import type { Hex } from "viem";
import type { ChainEvent, ChainWatcher } from "../chain/index.ts";
import { splitSlotId } from "../core/index.ts";
import type { Logger } from "../logging/index.ts";
import type { Database, MetadataStore } from "../store/metadata/index.ts";

/** A slot whose host owes proofs, as the validator knows it from events. */
export interface WatchedSlot {
  slotId: Hex;
  requestId: Hex;
  host: Hex;
  /** The block of the host's fill. */
  filledBlock: bigint;
  proofProbability: number;
  startPeriod: bigint;
  /** The request's end, unix s. */
  endsAt: number;
}

export type MarkOutcome = "marked" | "not-missing";

const ENDED_EVENTS = ["RequestFailed", "RequestFinished", "RequestCancelled"] as const;

/**
 * The validator's tables (schema.ts: `validator_requests`, `validator_slots`,
 * `validator_marks`), kept up to date from StorageMarket's events. Each handler runs in the
 * watcher's transaction, so the tables move exactly with the watcher's cursor.
 */
export class ValidatorSlotStore {
  readonly #store: MetadataStore;
  readonly #log: Logger;

  constructor(store: MetadataStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** Subscribes the table updates to `watcher`; call before the watcher starts. */
  follow(watcher: ChainWatcher): Array<() => void> {
    const market = { contract: "StorageMarket" } as const;
    return [
      watcher.subscribe({ ...market, eventName: "StorageRequested" }, (event, db) =>
        this.#requested(event, db),
      ),
      watcher.subscribe({ ...market, eventName: "RequestStarted" }, (event, db) => {
        db.prepare(
          "UPDATE validator_requests SET state = 'started', start_period = ? WHERE request_id = ?",
        ).run(BigInt(event.args.startPeriod as bigint), hex(event.args.requestId));
      }),
      watcher.subscribe({ ...market, eventName: "SlotFilled" }, (event, db) => this.#filled(event, db)),
      watcher.subscribe({ ...market, eventName: "SlotFreed" }, (event, db) => {
        db.prepare("DELETE FROM validator_slots WHERE slot_id = ?").run(hex(event.args.slotId));
      }),
      watcher.subscribe({ ...market, eventName: ENDED_EVENTS }, (event, db) => {
        const requestId = hex(event.args.requestId);
        db.prepare("UPDATE validator_requests SET state = 'ended' WHERE request_id = ?").run(requestId);
        db.prepare("DELETE FROM validator_slots WHERE request_id = ?").run(requestId);
      }),
    ];
  }

  /** Slots of started requests not over by `now` (unix s). */
  running(now: number): WatchedSlot[] {
    const rows = this.#store.database
      .prepare(
        `SELECT s.slot_id, s.request_id, s.host, s.filled_block, r.proof_probability, r.start_period, r.ends_at
         FROM validator_slots AS s JOIN validator_requests AS r USING (request_id)
         WHERE r.state = 'started' AND r.ends_at > ? ORDER BY s.slot_id`,
      )
      .all(now) as Array<{
      slot_id: Hex;
      request_id: Hex;
      host: Hex;
      filled_block: number;
      proof_probability: number;
      start_period: number;
      ends_at: number;
    }>;
    return rows.map((r) => ({
      slotId: r.slot_id,
      requestId: r.request_id,
      host: r.host,
      filledBlock: BigInt(r.filled_block),
      proofProbability: r.proof_probability,
      startPeriod: BigInt(r.start_period),
      endsAt: r.ends_at,
    }));
  }

  markOutcome(slotId: Hex, period: bigint): MarkOutcome | undefined {
    const row = this.#store.database
      .prepare("SELECT outcome FROM validator_marks WHERE slot_id = ? AND period = ?")
      .get(slotId, period) as { outcome: MarkOutcome } | undefined;
    return row?.outcome;
  }

  recordMark(
    slotId: Hex,
    period: bigint,
    outcome: MarkOutcome,
    detail: { txHash?: Hex; reward?: bigint } = {},
  ): void {
    this.#store.database
      .prepare(
        `INSERT OR REPLACE INTO validator_marks (slot_id, period, outcome, tx_hash, reward, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(slotId, period, outcome, detail.txHash ?? null, detail.reward?.toString() ?? null, Date.now());
  }

  /** Every mark this validator sent, oldest first. */
  marks(): Array<{ slotId: Hex; period: bigint; txHash: Hex | undefined; reward: bigint }> {
    const rows = this.#store.database
      .prepare(
        "SELECT slot_id, period, tx_hash, reward FROM validator_marks WHERE outcome = 'marked' ORDER BY period, slot_id",
      )
      .all() as Array<{ slot_id: Hex; period: number; tx_hash: Hex | null; reward: string | null }>;
    return rows.map((r) => ({
      slotId: r.slot_id,
      period: BigInt(r.period),
      txHash: r.tx_hash ?? undefined,
      reward: BigInt(r.reward ?? "0"),
    }));
  }

  #requested(event: ChainEvent, db: Database): void {
    const request = event.args.request as { proofProbability: number };
    db.prepare(
      `INSERT OR IGNORE INTO validator_requests (request_id, proof_probability, ends_at, state) VALUES (?, ?, ?, 'new')`,
    ).run(hex(event.args.requestId), request.proofProbability, Number(event.args.endsAt));
  }

  #filled(event: ChainEvent, db: Database): void {
    const slotId = hex(event.args.slotId);
    const { requestId } = splitSlotId(slotId);
    const known = db.prepare("SELECT 1 FROM validator_requests WHERE request_id = ?").get(requestId);
    if (known === undefined) {
      this.#log.warn("a fill of a request never seen; not watching it", { slotId });
      return;
    }
    db.prepare(
      "INSERT OR REPLACE INTO validator_slots (slot_id, request_id, host, filled_block) VALUES (?, ?, ?, ?)",
    ).run(slotId, requestId, hex(event.args.provider), event.blockNumber);
  }
}

function hex(value: unknown): Hex {
  return String(value).toLowerCase() as Hex;
}
