/**
 * The score model, as pure functions: a beta model (after Storj's audit reputation) whose
 * evidence is multiplied by a forgetting factor at each event and halves over wall time,
 * so both a long run of new events and a long silence pull an old verdict back to neutral.
 *
 *   score = 100 * (prior + good) / (2 * prior + good + bad)
 *
 * A success counts partly good and partly bad when it was slower than the targets; every
 * other event is wholly good or wholly bad, with a weight from EVENT_WEIGHTS.
 */
import { EVENT_WEIGHTS, NEUTRAL_SCORE, QUALITY_SHARE } from "./constants.ts";
import { InvalidReputationInputError } from "./errors.ts";
import type { ReputationContext, ReputationEvent } from "./types.ts";

/** A peer's evidence in one context. */
export interface BetaRecord {
  /** Weighted evidence for, as of `updatedAt`. */
  good: number;
  /** Weighted evidence against, as of `updatedAt`. */
  bad: number;
  /** Events ever recorded. */
  events: number;
  /** Unix ms. */
  updatedAt: number;
}

export interface ModelParams {
  priorWeight: number;
  forgettingFactor: number;
  halfLifeMs: number;
  targetLatencyMs: number;
  /** Bytes per second. */
  targetThroughput: number;
}

/** How much an event adds on each side. */
export interface Evidence {
  good: number;
  bad: number;
}

/** Which contexts each kind of event may be recorded in; anything else is a caller's bug. */
const ALLOWED: Record<ReputationEvent["kind"], readonly ReputationContext[]> = {
  success: ["serving", "paying", "storing"],
  failure: ["serving", "paying", "storing"],
  "invalid-block": ["serving"],
  "voucher-valid": ["paying"],
  "voucher-invalid": ["paying"],
  "payment-late": ["paying"],
  slashed: ["storing"],
};

function checkMeasure(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidReputationInputError(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
}

/** Throws InvalidReputationInputError unless `event` is well-formed and belongs in `context`. */
export function checkEvent(context: ReputationContext, event: ReputationEvent): void {
  const allowed = ALLOWED[(event as { kind?: unknown } | null)?.kind as ReputationEvent["kind"]];
  if (allowed === undefined) {
    throw new InvalidReputationInputError(`unknown reputation event ${JSON.stringify(event)}`);
  }
  if (!allowed.includes(context)) {
    throw new InvalidReputationInputError(
      `a "${event.kind}" event belongs in ${allowed.map((c) => `"${c}"`).join(" or ")}, not "${context}"`,
    );
  }
  if (event.kind !== "success") return;
  checkMeasure("latencyMs", event.latencyMs);
  checkMeasure("bytes", event.bytes);
  checkMeasure("durationMs", event.durationMs);
  if ((event.bytes === undefined) !== (event.durationMs === undefined)) {
    throw new InvalidReputationInputError("bytes and durationMs go together (throughput needs both)");
  }
}

/** 1 at or under the target, falling as target/actual beyond it. */
function quality(actualWorse: number, target: number): number {
  return actualWorse <= target ? 1 : target / actualWorse;
}

/**
 * The share of a success that counts as good, in [1 - QUALITY_SHARE, 1]: latency and
 * throughput that meet their targets (or are unknown) give 1, slower gives less.
 */
export function successValue(event: Extract<ReputationEvent, { kind: "success" }>, p: ModelParams): number {
  const factors: number[] = [];
  if (event.latencyMs !== undefined) factors.push(quality(event.latencyMs, p.targetLatencyMs));
  if (event.bytes !== undefined && event.durationMs !== undefined) {
    // Time per byte is what gets worse; 0 ms means "faster than the clock", i.e. at target.
    const secondsPerByte = event.bytes === 0 ? 0 : event.durationMs / 1000 / event.bytes;
    factors.push(quality(secondsPerByte, 1 / p.targetThroughput));
  }
  if (factors.length === 0) return 1;
  const mean = factors.reduce((a, b) => a + b, 0) / factors.length;
  return 1 - QUALITY_SHARE + QUALITY_SHARE * mean;
}

/** What one event adds to each side of the model. */
export function evidenceOf(event: ReputationEvent, p: ModelParams): Evidence {
  const weight = EVENT_WEIGHTS[event.kind];
  switch (event.kind) {
    case "success": {
      const v = successValue(event, p);
      return { good: weight * v, bad: weight * (1 - v) };
    }
    case "voucher-valid":
      return { good: weight, bad: 0 };
    case "failure":
    case "invalid-block":
    case "voucher-invalid":
    case "payment-late":
    case "slashed":
      return { good: 0, bad: weight };
  }
}

/** The record as of `now`: evidence halves every `halfLifeMs`. A clock that went back decays nothing. */
export function decayed(record: BetaRecord, now: number, p: ModelParams): BetaRecord {
  const elapsed = now - record.updatedAt;
  if (elapsed <= 0) return record;
  const keep = 2 ** (-elapsed / p.halfLifeMs);
  return { good: record.good * keep, bad: record.bad * keep, events: record.events, updatedAt: now };
}

/** The record after one more event at `now`. */
export function applyEvent(
  record: BetaRecord,
  event: ReputationEvent,
  now: number,
  p: ModelParams,
): BetaRecord {
  const current = decayed(record, now, p);
  const add = evidenceOf(event, p);
  return {
    good: current.good * p.forgettingFactor + add.good,
    bad: current.bad * p.forgettingFactor + add.bad,
    events: current.events + 1,
    updatedAt: Math.max(now, current.updatedAt),
  };
}

/** 0 to 100; a record with no evidence scores 50. */
export function scoreOf(record: BetaRecord | undefined, now: number, p: ModelParams): number {
  if (record === undefined) return NEUTRAL_SCORE;
  const r = decayed(record, now, p);
  return (100 * (p.priorWeight + r.good)) / (2 * p.priorWeight + r.good + r.bad);
}
