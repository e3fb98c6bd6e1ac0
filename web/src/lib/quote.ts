/**
 * The live quote on the buy page: how big each slot will be, which providers to ask, the
 * price every chosen provider accepts, the escrow, and the expected durability.
 */
import { BLOCK_SIZE, encryptedSize } from "@cairn/node/core";
import type { ProviderRow } from "../queries/market.ts";
import { findApiUrl } from "./multiaddr.ts";
import { decodeLabel } from "./offer.ts";
import { reputation } from "./reputation.ts";

export interface Candidate {
  address: `0x${string}`;
  apiUrl: string;
  price: bigint;
  maxCollateralPerByte: bigint;
  reputation: number;
  region: string;
  infrastructure: string;
}

/** Bytes per slot for a file: whole stripes of k 256 KiB blocks (the ciphertext when encrypted). */
export function slotSizeFor(fileSize: number, k: number, encrypted: boolean): number {
  const stored = encrypted ? encryptedSize(fileSize) : fileSize;
  const blocks = Math.max(1, Math.ceil(stored / BLOCK_SIZE));
  return Math.ceil(blocks / k) * BLOCK_SIZE;
}

/**
 * Providers whose offer takes a slot of `slotSize` for `duration`, active now, with an API to
 * upload to, and asking no more than `maxPrice` (wei per byte per second) when one is given.
 */
export function eligibleProviders(
  providers: readonly ProviderRow[],
  terms: { slotSize: number; duration: bigint; nowSeconds: number; maxPrice?: bigint },
): Candidate[] {
  const out: Candidate[] = [];
  for (const p of providers) {
    const apiUrl = findApiUrl(p.multiaddrs);
    if (apiUrl === undefined) continue;
    if (BigInt(p.capacity) < BigInt(terms.slotSize)) continue;
    if (terms.duration < BigInt(p.minDuration) || terms.duration > BigInt(p.maxDuration)) continue;
    if (Number(p.activeFrom) > terms.nowSeconds) continue;
    if (terms.maxPrice !== undefined && BigInt(p.pricePerBytePerSecond) > terms.maxPrice) continue;
    out.push({
      address: p.id as `0x${string}`,
      apiUrl,
      price: BigInt(p.pricePerBytePerSecond),
      maxCollateralPerByte: BigInt(p.maxCollateralPerByte),
      reputation: reputation(p.proofsSubmitted, p.proofsMissed),
      region: decodeLabel(p.region),
      infrastructure: decodeLabel(p.infrastructure),
    });
  }
  return out;
}

/**
 * Picks n providers: cheapest and most reliable first, but a provider sharing a region or an
 * infrastructure with one already picked waits behind those that add diversity, so one
 * outage takes out as few slots as possible.
 */
export function chooseProviders(candidates: readonly Candidate[], n: number): Candidate[] {
  const ranked = [...candidates].sort((a, b) =>
    a.price !== b.price ? (a.price < b.price ? -1 : 1) : b.reputation - a.reputation,
  );
  const chosen: Candidate[] = [];
  const regions = new Set<string>();
  const infras = new Set<string>();
  while (chosen.length < n && ranked.length > 0) {
    const overlap = (c: Candidate) => Number(regions.has(c.region)) + Number(infras.has(c.infrastructure));
    let best = 0;
    for (let i = 1; i < ranked.length; i++) {
      const a = ranked[i];
      const b = ranked[best];
      if (a !== undefined && b !== undefined && overlap(a) < overlap(b)) best = i;
    }
    const [pick] = ranked.splice(best, 1);
    if (pick === undefined) break;
    chosen.push(pick);
    regions.add(pick.region);
    infras.add(pick.infrastructure);
  }
  return chosen;
}

/**
 * P(at least k of the slots survive), each slot surviving independently with its own
 * probability (a Poisson-binomial tail). Reputation stands in for that probability; it is
 * an estimate from past proofs, not a guarantee.
 */
export function durability(survival: readonly number[], k: number): number {
  // dist[j] = P(exactly j survive) over the slots seen so far.
  let dist = [1];
  for (const p of survival) {
    const next = new Array<number>(dist.length + 1).fill(0);
    dist.forEach((q, j) => {
      next[j] = (next[j] ?? 0) + q * (1 - p);
      next[j + 1] = (next[j + 1] ?? 0) + q * p;
    });
    dist = next;
  }
  return dist.slice(k).reduce((sum, q) => sum + q, 0);
}

export interface Quote {
  slotSize: number;
  chosen: Candidate[];
  /** Providers still missing to reach n. */
  missing: number;
  /** The highest chosen price: each provider accepts a price at or above its own. */
  pricePerBytePerSecond: bigint;
  /** The lowest chosen collateral cap: each provider accepts collateral at or below its own. */
  collateralPerByte: bigint;
  escrow: bigint;
  durability: number;
}

export function quoteStorage(input: {
  providers: readonly ProviderRow[];
  fileSize: number;
  k: number;
  n: number;
  duration: bigint;
  encrypted: boolean;
  nowSeconds: number;
  /** The highest price the client pays, in wei per byte per second; absent for any. */
  maxPrice?: bigint;
}): Quote {
  const slotSize = slotSizeFor(input.fileSize, input.k, input.encrypted);
  const eligible = eligibleProviders(input.providers, {
    slotSize,
    duration: input.duration,
    nowSeconds: input.nowSeconds,
    maxPrice: input.maxPrice,
  });
  const chosen = chooseProviders(eligible, input.n);
  // biome-ignore lint/complexity/useMathMinMax: bigints; Math.max does not take them
  const price = chosen.reduce((max, c) => (c.price > max ? c.price : max), 0n);
  const collateral = chosen.reduce(
    (min, c) => (min === undefined || c.maxCollateralPerByte < min ? c.maxCollateralPerByte : min),
    undefined as bigint | undefined,
  );
  return {
    slotSize,
    chosen,
    missing: input.n - chosen.length,
    pricePerBytePerSecond: price,
    collateralPerByte: collateral ?? 0n,
    // The contract's rule (IStorageMarket.Request): n × slotSize × price × duration.
    escrow: BigInt(input.n) * BigInt(slotSize) * price * input.duration,
    durability:
      chosen.length < input.n
        ? 0
        : durability(
            chosen.map((c) => c.reputation),
            input.k,
          ),
  };
}
