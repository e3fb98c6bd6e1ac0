/**
 * Expected durability of an erasure-coded request: the chance that no more than m of its
 * n slots are lost before the request ends, each slot lost independently with its own
 * probability. The per-provider probability comes from an annual failure rate scaled by
 * the provider's reputation and by the duration. It is an estimate to compare choices
 * (more parity, better providers), not a guarantee: correlated failures are what the
 * diversity rule in provider-selection.ts guards against, and this model leaves them out.
 */
import { InvalidParameterError } from "./errors.ts";

/** A neutral provider's chance of losing a slot in a year (disk, host or operator failure). */
export const BASE_ANNUAL_LOSS = 0.05;
const YEAR_SECONDS = 365 * 24 * 3600;

/** A provider's chance of losing its slot over `durationSeconds`, from its reputation (0-100). */
export function slotLossProbability(reputation: number, durationSeconds: number): number {
  if (!(reputation >= 0 && reputation <= 100))
    throw new InvalidParameterError("reputation", "must be from 0 to 100");
  if (!(durationSeconds > 0)) throw new InvalidParameterError("duration", "must be more than 0 seconds");
  // Reputation 100 halves the base rate, 50 keeps it, 0 triples it.
  const annual =
    BASE_ANNUAL_LOSS * (reputation >= 50 ? 1 - (reputation - 50) / 100 : 1 + (50 - reputation) / 25);
  // Losses as a Poisson process over the duration.
  return 1 - Math.exp(-annual * (durationSeconds / YEAR_SECONDS));
}

/**
 * P(at most `tolerated` of the slots are lost), exactly, from each slot's loss probability
 * (the Poisson-binomial distribution by dynamic programming).
 */
export function survivalProbability(lossProbabilities: readonly number[], tolerated: number): number {
  if (!Number.isInteger(tolerated) || tolerated < 0)
    throw new InvalidParameterError("m", "must be an integer ≥ 0");
  // lost[j] = P(exactly j slots lost so far), for j up to tolerated (more is failure anyway).
  let lost = [1];
  for (const p of lossProbabilities) {
    if (!(p >= 0 && p <= 1)) throw new InvalidParameterError("lossProbability", "must be from 0 to 1");
    const next = new Array<number>(Math.min(lost.length + 1, tolerated + 1)).fill(0);
    lost.forEach((q, j) => {
      next[j] = (next[j] ?? 0) + q * (1 - p);
      if (j + 1 <= tolerated) next[j + 1] = (next[j + 1] ?? 0) + q * p;
    });
    lost = next;
  }
  return lost.reduce((a, b) => a + b, 0);
}

/** Durability as "nines": 0.999 → 3. Capped at 15, where doubles run out of precision. */
export function nines(survival: number): number {
  const loss = 1 - survival;
  if (loss <= 1e-15) return 15;
  return Math.max(0, -Math.log10(loss));
}

export interface DurabilityEstimate {
  survival: number;
  nines: number;
}

export function expectedDurability(
  reputations: readonly (number | undefined)[],
  parity: number,
  durationSeconds: number,
): DurabilityEstimate {
  const survival = survivalProbability(
    reputations.map((r) => slotLossProbability(r ?? 50, durationSeconds)),
    parity,
  );
  return { survival, nines: nines(survival) };
}
