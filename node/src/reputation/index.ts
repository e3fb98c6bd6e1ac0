/**
 * Reputation: a score from 0 to 100 per peer and per context (serving, paying, storing),
 * from a beta model with forgetting and wall-time decay (model.ts), kept in SQLite in
 * batches (reputation-service.ts), and the decisions taken from it (rank.ts).
 *
 *   const reputation = createReputation({ metadata }, {});
 *   reputation.start();
 *   reputation.record(peerId, "serving", { kind: "success", latencyMs: 40 });
 *   rank(reputation, providers, "serving");
 *   creditAllowed(reputation, clientPeerId);
 */
import type { Logger } from "../logging/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import { ReputationService } from "./reputation-service.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { applyEvent, type BetaRecord, decayed, evidenceOf, type ModelParams, scoreOf } from "./model.ts";
export {
  type CreditOptions,
  creditAllowed,
  creditLimit,
  type RankedPeer,
  type RankOptions,
  rank,
} from "./rank.ts";
export { type ReputationEntry, ReputationService } from "./reputation-service.ts";
export { REPUTATION_SCHEMA } from "./schema.ts";
export type {
  ChainPosition,
  ChainReputationRecorder,
  ReputationContext,
  ReputationEvent,
  ReputationRecorder,
} from "./types.ts";

export interface ReputationInit {
  /** Pseudo-events of prior on each side. @default DEFAULT_PRIOR_WEIGHT (5) */
  priorWeight?: number;
  /** Multiplies held evidence at each event, in (0, 1]. @default DEFAULT_FORGETTING_FACTOR (0.999) */
  forgettingFactor?: number;
  /** Evidence halves over this much time. ms. @default DEFAULT_HALF_LIFE_MS (7 days) */
  halfLifeMs?: number;
  /** ms. @default DEFAULT_TARGET_LATENCY_MS (200) */
  targetLatencyMs?: number;
  /** Bytes per second. @default DEFAULT_TARGET_THROUGHPUT (8 MiB/s) */
  targetThroughput?: number;
  /** ms between writes to SQLite; the most a crash can lose. @default DEFAULT_FLUSH_INTERVAL_MS (5 s) */
  flushIntervalMs?: number;
  /** Dirty records that trigger an early write. @default DEFAULT_MAX_DIRTY (1024) */
  maxDirty?: number;
  /** Records kept in memory. @default DEFAULT_MAX_CACHED (10 000) */
  maxCached?: number;
  /** Rows untouched this long are deleted on start. ms. @default DEFAULT_PRUNE_AFTER_MS (70 days) */
  pruneAfterMs?: number;
}

export interface ReputationComponents {
  /** The node's metadata store, with REPUTATION_SCHEMA applied. */
  metadata: Pick<MetadataStore, "database" | "transaction">;
  /** @default logger("reputation") */
  logger?: Logger;
  /** Unix ms. @default Date.now */
  clock?: () => number;
}

export function createReputation(
  components: ReputationComponents,
  init: ReputationInit = {},
): ReputationService {
  return new ReputationService(components, init);
}
