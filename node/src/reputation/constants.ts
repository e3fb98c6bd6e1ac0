import type { ReputationContext } from "./types.ts";

/** Every context a score can be about. */
export const REPUTATION_CONTEXTS: readonly ReputationContext[] = ["serving", "paying", "storing"];

/** The score of a peer nothing is known about, and the one every record drifts back to. */
export const NEUTRAL_SCORE = 50;

/**
 * Pseudo-events of prior on each side of the beta model. With 5 and 5 one failure moves a
 * fresh peer from 50 to 45, not to 0: a single timeout on a bad link is not a verdict.
 */
export const DEFAULT_PRIOR_WEIGHT = 5;

/**
 * Each event first multiplies the evidence already held by this (Storj's audit
 * reputation uses 0.999), so the model remembers about the last 1000 events.
 */
export const DEFAULT_FORGETTING_FACTOR = 0.999;

/** Evidence halves over this much wall time without events, so an old verdict fades. 7 days. */
export const DEFAULT_HALF_LIFE_MS = 7 * 24 * 3600 * 1000;

/** A success this fast or faster loses nothing for latency. ms. */
export const DEFAULT_TARGET_LATENCY_MS = 200;

/** A success this fast or faster loses nothing for throughput. 8 MiB/s in bytes per second. */
export const DEFAULT_TARGET_THROUGHPUT = 8 * 1024 * 1024;

/** How much of a success's weight rides on latency and throughput; the rest is for answering at all. */
export const QUALITY_SHARE = 0.5;

/**
 * How many failures one event of each kind counts as. A lie (a block that does not hash
 * to its CID, a forged voucher, a slash) weighs far more than bad luck (a timeout).
 */
export const EVENT_WEIGHTS = {
  success: 1,
  failure: 1,
  "invalid-block": 10,
  "voucher-valid": 1,
  "voucher-invalid": 10,
  "payment-late": 2,
  slashed: 20,
} as const;

/** Dirty records are written to SQLite at least this often; a crash loses at most this window. ms. */
export const DEFAULT_FLUSH_INTERVAL_MS = 5_000;

/** A flush starts early once this many records are dirty, bounding memory and loss. */
export const DEFAULT_MAX_DIRTY = 1_024;

/** Clean records kept in memory beyond this many are dropped (they reload from SQLite). */
export const DEFAULT_MAX_CACHED = 10_000;

/**
 * Rows untouched for this long are deleted on start: after 10 half-lives their evidence
 * is under 0.1% of what it was, and they score as a stranger would. 70 days.
 */
export const DEFAULT_PRUNE_AFTER_MS = 10 * DEFAULT_HALF_LIFE_MS;

/** Below this `paying` score a peer is served only from the free allowance, never on credit. */
export const DEFAULT_CREDIT_MIN_SCORE = 40;

/** The longest peer id string accepted (an inlined RSA key is ~ 700 chars; Ed25519 is 52). */
export const MAX_PEER_ID_LENGTH = 1_024;
