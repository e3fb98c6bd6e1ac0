import { peerIdFromString } from "@libp2p/peer-id";
import { type Logger, logger as createLogger } from "../logging/index.ts";
import type { Database, StatementSync } from "../store/metadata/index.ts";
import type { Startable } from "../utils/startable.ts";
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_FORGETTING_FACTOR,
  DEFAULT_HALF_LIFE_MS,
  DEFAULT_MAX_CACHED,
  DEFAULT_MAX_DIRTY,
  DEFAULT_PRIOR_WEIGHT,
  DEFAULT_PRUNE_AFTER_MS,
  DEFAULT_TARGET_LATENCY_MS,
  DEFAULT_TARGET_THROUGHPUT,
  MAX_PEER_ID_LENGTH,
  REPUTATION_CONTEXTS,
} from "./constants.ts";
import {
  InvalidReputationConfigError,
  InvalidReputationInputError,
  ReputationNotStartedError,
} from "./errors.ts";
import type { ReputationComponents, ReputationInit } from "./index.ts";
import { applyEvent, type BetaRecord, checkEvent, type ModelParams, scoreOf } from "./model.ts";
import type { ChainPosition, ChainReputationRecorder, ReputationContext, ReputationEvent } from "./types.ts";

interface Row {
  peer_id: string;
  context: string;
  good: number;
  bad: number;
  events: number;
  updated_at: number;
}

/** What `snapshot` reports about one peer in one context. */
export interface ReputationEntry {
  peerId: string;
  context: ReputationContext;
  score: number;
  events: number;
  /** Unix ms of the last event. */
  updatedAt: number;
}

function key(peerId: string, context: ReputationContext): string {
  return `${context}\u0000${peerId}`;
}

function positive(name: string, value: number, max = Number.POSITIVE_INFINITY): number {
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new InvalidReputationConfigError(`${name} must be a finite number in (0, ${max}], got ${value}`);
  }
  return value;
}

/**
 * Scores per peer and context, kept in memory and written to SQLite in batches.
 *
 * `record` only touches memory and marks the record dirty: it runs on the exchange's hot
 * path, once per block. Dirty records are written in one transaction every
 * `flushIntervalMs`, as soon as `maxDirty` of them pile up, and on `stop`, so a crash
 * loses at most the last `flushIntervalMs` of events (5 s by default). Records are read
 * from SQLite the first time a peer is seen after a start.
 */
export class ReputationService implements ChainReputationRecorder, Startable {
  private readonly db: () => Database;
  private readonly transaction: <T>(fn: (db: Database) => T) => T;
  private readonly log: Logger;
  private readonly now: () => number;
  readonly params: ModelParams;
  private readonly flushIntervalMs: number;
  private readonly maxDirty: number;
  private readonly maxCached: number;
  private readonly pruneAfterMs: number;
  /** Records by `key(peerId, context)`; `null` means "looked up, and SQLite has none". */
  private readonly cache = new Map<string, BetaRecord | null>();
  private readonly dirty = new Set<string>();
  /** Peer ids already parsed once, so the hot path parses each peer only once. */
  private readonly validPeers = new Set<string>();
  /** Chain cursors by name; `null` means "looked up, none yet". */
  private readonly cursors = new Map<string, ChainPosition | null>();
  private readonly dirtyCursors = new Set<string>();
  private statements:
    | {
        select: StatementSync;
        upsert: StatementSync;
        selectCursor: StatementSync;
        upsertCursor: StatementSync;
      }
    | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushQueued = false;

  constructor(components: ReputationComponents, init: ReputationInit = {}) {
    this.db = () => components.metadata.database;
    this.transaction = (fn) => components.metadata.transaction(fn);
    this.log = components.logger ?? createLogger("reputation");
    this.now = components.clock ?? Date.now;
    this.params = {
      priorWeight: positive("priorWeight", init.priorWeight ?? DEFAULT_PRIOR_WEIGHT),
      forgettingFactor: positive("forgettingFactor", init.forgettingFactor ?? DEFAULT_FORGETTING_FACTOR, 1),
      halfLifeMs: positive("halfLifeMs", init.halfLifeMs ?? DEFAULT_HALF_LIFE_MS),
      targetLatencyMs: positive("targetLatencyMs", init.targetLatencyMs ?? DEFAULT_TARGET_LATENCY_MS),
      targetThroughput: positive("targetThroughput", init.targetThroughput ?? DEFAULT_TARGET_THROUGHPUT),
    };
    this.flushIntervalMs = positive("flushIntervalMs", init.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.maxDirty = positive("maxDirty", init.maxDirty ?? DEFAULT_MAX_DIRTY);
    this.maxCached = positive("maxCached", init.maxCached ?? DEFAULT_MAX_CACHED);
    this.pruneAfterMs = positive("pruneAfterMs", init.pruneAfterMs ?? DEFAULT_PRUNE_AFTER_MS);
  }

  start(): void {
    if (this.statements !== undefined) return;
    const db = this.db();
    this.statements = {
      select: db.prepare(
        "SELECT peer_id, context, good, bad, events, updated_at FROM reputation WHERE peer_id = ? AND context = ?",
      ),
      upsert: db.prepare(
        `INSERT INTO reputation (peer_id, context, good, bad, events, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (peer_id, context) DO UPDATE SET
           good = excluded.good, bad = excluded.bad, events = excluded.events, updated_at = excluded.updated_at`,
      ),
      selectCursor: db.prepare("SELECT block, log_index FROM reputation_cursors WHERE name = ?"),
      upsertCursor: db.prepare(
        `INSERT INTO reputation_cursors (name, block, log_index) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET block = excluded.block, log_index = excluded.log_index`,
      ),
    };
    const { changes } = db
      .prepare("DELETE FROM reputation WHERE updated_at < ?")
      .run(this.now() - this.pruneAfterMs);
    if (changes > 0) this.log.info("pruned faded reputation records", { rows: Number(changes) });
    this.timer = setInterval(() => this.safeFlush(), this.flushIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.statements === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.flush();
    } finally {
      // A failed last flush is reported to the caller; the service is stopped either way.
      this.statements = undefined;
      this.cache.clear();
      this.cursors.clear();
      this.dirty.clear();
      this.dirtyCursors.clear();
    }
  }

  record(peerId: string, context: ReputationContext, event: ReputationEvent): void {
    this.checkPeer(peerId);
    checkContext(context);
    checkEvent(context, event);
    const k = key(peerId, context);
    const current = this.load(k, peerId, context) ?? { good: 0, bad: 0, events: 0, updatedAt: this.now() };
    this.cache.set(k, applyEvent(current, event, this.now(), this.params));
    this.dirty.add(k);
    if (this.dirty.size >= this.maxDirty && !this.flushQueued) {
      // Off the caller's stack: a flush is a transaction, and record() must stay cheap.
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.safeFlush();
      });
    }
  }

  recordOnce(
    cursor: string,
    position: ChainPosition,
    peerId: string,
    context: ReputationContext,
    event: ReputationEvent,
  ): boolean {
    const statements = this.mustBeStarted();
    if (typeof cursor !== "string" || cursor.length === 0) {
      throw new InvalidReputationInputError("a chain cursor needs a name");
    }
    if (
      typeof position?.blockNumber !== "bigint" ||
      position.blockNumber < 0n ||
      !Number.isInteger(position.logIndex) ||
      position.logIndex < 0
    ) {
      throw new InvalidReputationInputError(
        `not a log position: ${String(position?.blockNumber)}/${position?.logIndex}`,
      );
    }
    let last = this.cursors.get(cursor);
    if (last === undefined) {
      const row = statements.selectCursor.get(cursor) as { block: number; log_index: number } | undefined;
      last = row === undefined ? null : { blockNumber: BigInt(row.block), logIndex: row.log_index };
      this.cursors.set(cursor, last);
    }
    if (
      last !== null &&
      (position.blockNumber < last.blockNumber ||
        (position.blockNumber === last.blockNumber && position.logIndex <= last.logIndex))
    ) {
      return false;
    }
    this.record(peerId, context, event);
    this.cursors.set(cursor, { blockNumber: position.blockNumber, logIndex: position.logIndex });
    this.dirtyCursors.add(cursor);
    return true;
  }

  score(peerId: string, context: ReputationContext): number {
    this.checkPeer(peerId);
    checkContext(context);
    return scoreOf(this.load(key(peerId, context), peerId, context) ?? undefined, this.now(), this.params);
  }

  /** Every context's entry for a peer, for the REST API and logs. */
  entries(peerId: string): ReputationEntry[] {
    this.checkPeer(peerId);
    const out: ReputationEntry[] = [];
    for (const context of REPUTATION_CONTEXTS) {
      const record = this.load(key(peerId, context), peerId, context);
      if (record === null) continue;
      out.push({
        peerId,
        context,
        score: scoreOf(record, this.now(), this.params),
        events: record.events,
        updatedAt: record.updatedAt,
      });
    }
    return out;
  }

  /** Records waiting for the next flush. */
  get pending(): number {
    return this.dirty.size;
  }

  /** Writes every dirty record now, in one transaction. */
  flush(): void {
    const statements = this.mustBeStarted();
    if (this.dirty.size === 0 && this.dirtyCursors.size === 0) return;
    const keys = [...this.dirty];
    const cursorNames = [...this.dirtyCursors];
    this.transaction(() => {
      for (const name of cursorNames) {
        const at = this.cursors.get(name);
        if (at !== undefined && at !== null) statements.upsertCursor.run(name, at.blockNumber, at.logIndex);
      }
      for (const k of keys) {
        const record = this.cache.get(k);
        if (record === undefined || record === null) continue;
        const [context, peerId] = k.split("\u0000") as [string, string];
        statements.upsert.run(peerId, context, record.good, record.bad, record.events, record.updatedAt);
      }
    });
    for (const k of keys) this.dirty.delete(k);
    for (const name of cursorNames) this.dirtyCursors.delete(name);
    this.evictClean();
  }

  private safeFlush(): void {
    try {
      if (this.statements !== undefined) this.flush();
    } catch (err) {
      // Records stay dirty and are retried at the next flush; the node keeps serving.
      this.log.error("reputation flush failed", { err, pending: this.dirty.size });
    }
  }

  private evictClean(): void {
    if (this.cache.size <= this.maxCached) return;
    for (const k of this.cache.keys()) {
      if (this.cache.size <= this.maxCached) break;
      if (!this.dirty.has(k)) this.cache.delete(k);
    }
  }

  private load(k: string, peerId: string, context: ReputationContext): BetaRecord | null {
    const statements = this.mustBeStarted();
    const cached = this.cache.get(k);
    if (cached !== undefined) return cached;
    const row = statements.select.get(peerId, context) as Row | undefined;
    const record =
      row === undefined
        ? null
        : { good: row.good, bad: row.bad, events: row.events, updatedAt: row.updated_at };
    this.cache.set(k, record);
    // Scores asked of many strangers must not grow memory without bound between flushes.
    if (this.cache.size > this.maxCached) this.evictClean();
    return record;
  }

  private mustBeStarted(): NonNullable<ReputationService["statements"]> {
    if (this.statements === undefined) {
      throw new ReputationNotStartedError("the reputation service is not started");
    }
    return this.statements;
  }

  private checkPeer(peerId: string): void {
    if (this.validPeers.has(peerId)) return;
    if (typeof peerId !== "string" || peerId.length === 0 || peerId.length > MAX_PEER_ID_LENGTH) {
      throw new InvalidReputationInputError(`not a peer id: ${JSON.stringify(peerId)}`);
    }
    try {
      peerIdFromString(peerId);
    } catch (err) {
      throw new InvalidReputationInputError(`not a peer id: ${JSON.stringify(peerId)}`, { cause: err });
    }
    if (this.validPeers.size >= this.maxCached) this.validPeers.clear();
    this.validPeers.add(peerId);
  }
}

function checkContext(context: ReputationContext): void {
  if (!REPUTATION_CONTEXTS.includes(context)) {
    throw new InvalidReputationInputError(
      `unknown reputation context ${JSON.stringify(context)} (use ${REPUTATION_CONTEXTS.join(", ")})`,
    );
  }
}
