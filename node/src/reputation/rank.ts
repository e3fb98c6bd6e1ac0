/**
 * Decisions made from scores: the order to try providers in, and whether to serve a peer
 * on credit. They take the narrow `ReputationRecorder`, so any implementation will do.
 */
import { DEFAULT_CREDIT_MIN_SCORE } from "./constants.ts";
import { InvalidReputationInputError } from "./errors.ts";
import type { ReputationContext, ReputationRecorder } from "./types.ts";

export interface RankedPeer {
  peerId: string;
  score: number;
}

export interface RankOptions {
  /** Peers scoring below this are left out. @default 0 (keep all) */
  minScore?: number;
  /** Keep at most this many. @default all */
  limit?: number;
}

function checkScore(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidReputationInputError(`${name} must be a score in [0, 100], got ${value}`);
  }
}

/**
 * Peers best first by their score in `context`. Ties keep the caller's order, so a caller
 * that passes peers sorted by price gets price as the tie-break. Duplicates are dropped.
 */
export function rank(
  reputation: Pick<ReputationRecorder, "score">,
  peers: Iterable<string>,
  context: ReputationContext,
  options: RankOptions = {},
): RankedPeer[] {
  const minScore = options.minScore ?? 0;
  checkScore("minScore", minScore);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
    throw new InvalidReputationInputError(`limit must be an integer >= 0, got ${options.limit}`);
  }
  const seen = new Set<string>();
  const scored: RankedPeer[] = [];
  for (const peerId of peers) {
    if (seen.has(peerId)) continue;
    seen.add(peerId);
    const score = reputation.score(peerId, context);
    if (score >= minScore) scored.push({ peerId, score });
  }
  // Array.prototype.sort is stable, which is what keeps the caller's tie order.
  scored.sort((a, b) => b.score - a.score);
  return options.limit === undefined ? scored : scored.slice(0, options.limit);
}

export interface CreditOptions {
  /** The lowest `paying` score served on credit. @default DEFAULT_CREDIT_MIN_SCORE (40) */
  minScore?: number;
}

/**
 * True when the peer may be served on credit (up to the payment threshold) rather than
 * only from the free allowance. A stranger (50) is; a peer that sent one forged voucher
 * (25 with the default prior) is not, until that fades.
 */
export function creditAllowed(
  reputation: Pick<ReputationRecorder, "score">,
  peerId: string,
  options: CreditOptions = {},
): boolean {
  const minScore = options.minScore ?? DEFAULT_CREDIT_MIN_SCORE;
  checkScore("minScore", minScore);
  return reputation.score(peerId, "paying") >= minScore;
}

/**
 * The credit to extend to a peer, in wei: nothing below `minScore`, otherwise `maxCredit`
 * scaled by the `paying` score, so a stranger gets half and a long-honest payer nearly all.
 */
export function creditLimit(
  reputation: Pick<ReputationRecorder, "score">,
  peerId: string,
  maxCredit: bigint,
  options: CreditOptions = {},
): bigint {
  if (maxCredit < 0n) throw new InvalidReputationInputError(`maxCredit must be >= 0, got ${maxCredit}`);
  if (!creditAllowed(reputation, peerId, options)) return 0n;
  const score = reputation.score(peerId, "paying");
  // Basis points keep the product in bigint without losing the fraction.
  return (maxCredit * BigInt(Math.floor(score * 100))) / 10_000n;
}
