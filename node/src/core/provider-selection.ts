/**
 * Choosing the n providers of a storage request, the same way in the dApp and in the
 * client's node. A request pays one price per byte per second to every slot, so a
 * provider can take a slot only if its offer asks no more than that price; the quote is
 * the highest price among those chosen and the cheapest few left over (the repair
 * reserve: someone must be able to take a freed slot at that price). Within that, providers are preferred by a blend of
 * low price and high reputation, and spread over regions and infrastructures, because the
 * failures that lose data together (a region's outage, one host's bad disks) are the ones
 * that erasure coding cannot absorb.
 */
import { InvalidParameterError } from "./errors.ts";

export interface ProviderCandidate {
  address: string;
  pricePerBytePerSecond: bigint;
  maxCollateralPerByte: bigint;
  minDuration: bigint;
  maxDuration: bigint;
  /** Free capacity in bytes (the offer's capacity, or less when known). */
  capacity: bigint;
  region: string;
  infrastructure: string;
  /** 0 to 100; unknown providers are neutral (50). */
  reputation?: number;
  /** Paused or not yet active providers cannot take slots. */
  available?: boolean;
}

export interface SelectionTerms {
  /** Slots to fill: k + m. */
  slots: number;
  slotSize: bigint;
  /** Seconds. */
  duration: bigint;
  collateralPerByte: bigint;
  /** The most the client will pay per byte per second; no limit when unset. */
  maxPricePerBytePerSecond?: bigint;
  /**
   * Providers beyond the chosen whose asking price the request also pays, cheapest first,
   * so that a slot freed by a failed provider can be repaired: a provider whose offer asks
   * more than the request's price cannot fill it. @default 1
   */
  repairReserve?: number;
}

export interface SelectionWeights {
  /** Weight of a low price against the others, 0 to 1. @default 0.4 */
  price?: number;
  /** Weight of a high reputation. @default 0.4 */
  reputation?: number;
  /** Penalty for each chosen provider already in the same region. @default 0.3 */
  sameRegion?: number;
  /** Penalty for each chosen provider already on the same infrastructure. @default 0.2 */
  sameInfrastructure?: number;
}

export interface ProviderSelection {
  /** One per slot, in slot order. */
  chosen: ProviderCandidate[];
  /** The request's price: the highest asked among the chosen and the repair reserve. */
  pricePerBytePerSecond: bigint;
  /** Providers that cannot take a slot under these terms, with why. */
  excluded: { address: string; reason: string }[];
  /** Distinct regions and infrastructures among the chosen. */
  regions: number;
  infrastructures: number;
}

export const NEUTRAL_REPUTATION = 50;
/** Spare providers a request's price covers by default, for repairs. */
export const DEFAULT_REPAIR_RESERVE = 1;

// Bigints: Math.min and Math.max take numbers only.
const smaller = (a: bigint, b: bigint) => (b < a ? b : a);
const larger = (a: bigint, b: bigint) => (b > a ? b : a);

/** Why `candidate` cannot take a slot on these terms, or undefined when it can. */
export function exclusionReason(candidate: ProviderCandidate, terms: SelectionTerms): string | undefined {
  if (candidate.available === false) return "paused or not yet active";
  if (candidate.capacity < terms.slotSize) return `capacity ${candidate.capacity} B is under the slot size`;
  if (terms.duration < candidate.minDuration || terms.duration > candidate.maxDuration) {
    return `takes durations of ${candidate.minDuration} s to ${candidate.maxDuration} s`;
  }
  if (terms.collateralPerByte > candidate.maxCollateralPerByte) {
    return `accepts at most ${candidate.maxCollateralPerByte} wei/B of collateral`;
  }
  if (
    terms.maxPricePerBytePerSecond !== undefined &&
    candidate.pricePerBytePerSecond > terms.maxPricePerBytePerSecond
  ) {
    return `asks ${candidate.pricePerBytePerSecond} wei/B/s, over the maximum`;
  }
  return undefined;
}

function checkTerms(terms: SelectionTerms): void {
  if (!Number.isInteger(terms.slots) || terms.slots < 1 || terms.slots > 255) {
    throw new InvalidParameterError("slots", "must be an integer from 1 to 255");
  }
  if (terms.slotSize <= 0n) throw new InvalidParameterError("slotSize", "must be more than 0");
  if (terms.duration <= 0n) throw new InvalidParameterError("duration", "must be more than 0");
  if (terms.collateralPerByte < 0n)
    throw new InvalidParameterError("collateralPerByte", "must not be negative");
  const reserve = terms.repairReserve;
  if (reserve !== undefined && (!Number.isInteger(reserve) || reserve < 0 || reserve > 255))
    throw new InvalidParameterError("repairReserve", "must be an integer from 0 to 255");
}

/**
 * Greedy choice, one slot at a time: the candidate with the best score after the
 * diversity penalties of those already chosen. Deterministic (ties go to the lower address).
 * Throws `InvalidParameterError` on `slots` when fewer candidates qualify than slots.
 */
export function selectProviders(
  candidates: readonly ProviderCandidate[],
  terms: SelectionTerms,
  weights: SelectionWeights = {},
): ProviderSelection {
  checkTerms(terms);
  const w = { price: 0.4, reputation: 0.4, sameRegion: 0.3, sameInfrastructure: 0.2, ...weights };
  const excluded: ProviderSelection["excluded"] = [];
  const eligible: ProviderCandidate[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const key = candidate.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const reason = exclusionReason(candidate, terms);
    if (reason === undefined) eligible.push(candidate);
    else excluded.push({ address: candidate.address, reason });
  }
  if (eligible.length < terms.slots) {
    throw new InvalidParameterError(
      "slots",
      `${terms.slots} providers are needed but only ${eligible.length} can take a slot on these terms`,
    );
  }
  const prices = eligible.map((c) => c.pricePerBytePerSecond);
  const low = prices.reduce(smaller);
  const high = prices.reduce(larger);
  const span = Number(high - low);
  const baseScore = (c: ProviderCandidate) => {
    const cheapness = span === 0 ? 1 : 1 - Number(c.pricePerBytePerSecond - low) / span;
    const reputation = Math.min(100, Math.max(0, c.reputation ?? NEUTRAL_REPUTATION)) / 100;
    return w.price * cheapness + w.reputation * reputation;
  };

  const chosen: ProviderCandidate[] = [];
  const regions = new Map<string, number>();
  const infrastructures = new Map<string, number>();
  const remaining = [...eligible].sort((a, b) =>
    a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1,
  );
  while (chosen.length < terms.slots) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    remaining.forEach((candidate, i) => {
      const score =
        baseScore(candidate) -
        w.sameRegion * (regions.get(candidate.region) ?? 0) -
        w.sameInfrastructure * (infrastructures.get(candidate.infrastructure) ?? 0);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    const [pick] = remaining.splice(best, 1) as [ProviderCandidate];
    chosen.push(pick);
    regions.set(pick.region, (regions.get(pick.region) ?? 0) + 1);
    infrastructures.set(pick.infrastructure, (infrastructures.get(pick.infrastructure) ?? 0) + 1);
  }
  const reserve = remaining
    .map((c) => c.pricePerBytePerSecond)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, terms.repairReserve ?? DEFAULT_REPAIR_RESERVE);
  return {
    chosen,
    pricePerBytePerSecond: [...chosen.map((c) => c.pricePerBytePerSecond), ...reserve].reduce(larger),
    excluded,
    regions: regions.size,
    infrastructures: infrastructures.size,
  };
}
