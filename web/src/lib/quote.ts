/**
 * The live quote on the buy page: how big each slot will be, which providers to ask, the
 * price they and a spare accept, the escrow, and the expected durability.
 *
 * The choice is the node's core's `selectProviders`, the same one the client's node
 * quotes with: low price and high reputation, spread over regions and infrastructures,
 * and a price that also covers the cheapest spare provider (the repair reserve), so that
 * a slot a failed provider frees can be filled again. Before it, providers that cannot take
 * a slot are set aside with the reason: the core's `exclusionReason` for what the offer
 * refuses (capacity, duration, price over the highest the user set), then what only the
 * dApp knows: no REST API URL in the provider's multiaddrs to upload the slot to, or an
 * activation time not yet passed on the chain's clock. Paused providers never reach the
 * page (the indexer's query leaves them out).
 */
import {
  BLOCK_SIZE,
  DEFAULT_REPAIR_RESERVE,
  type DurabilityEstimate,
  encryptedSize,
  exclusionReason,
  expectedDurability,
  InvalidParameterError,
  type ProviderCandidate,
  type SelectionTerms,
  selectProviders,
} from "@cairn/node/core";
import type { ProviderRow } from "../queries/market.ts";
import { findApiUrl } from "./multiaddr.ts";
import { decodeLabel } from "./offer.ts";
import { reputation } from "./reputation.ts";

/** A provider the quote can choose: the core's candidate, with the API to upload its slot to. */
export interface QuotedProvider extends ProviderCandidate {
  address: `0x${string}`;
  apiUrl: string;
  /** 0 to 100, from the proofs it delivered (50 for a newcomer). */
  reputation: number;
}

/** Bytes per slot for a file: whole stripes of k 256 KiB blocks (the ciphertext when encrypted). */
export function slotSizeFor(fileSize: number, k: number, encrypted: boolean): number {
  const stored = encrypted ? encryptedSize(fileSize) : fileSize;
  const blocks = Math.max(1, Math.ceil(stored / BLOCK_SIZE));
  return Math.ceil(blocks / k) * BLOCK_SIZE;
}

/** A provider row as the core's candidate, or why the dApp cannot use it whatever the terms. */
function candidateOf(row: ProviderRow): QuotedProvider | { reason: string } {
  const apiUrl = findApiUrl(row.multiaddrs);
  if (apiUrl === undefined) return { reason: "publishes no REST API URL to upload its slot to" };
  return {
    address: row.id as `0x${string}`,
    apiUrl,
    pricePerBytePerSecond: BigInt(row.pricePerBytePerSecond),
    maxCollateralPerByte: BigInt(row.maxCollateralPerByte),
    minDuration: BigInt(row.minDuration),
    maxDuration: BigInt(row.maxDuration),
    capacity: BigInt(row.capacity),
    region: decodeLabel(row.region),
    infrastructure: decodeLabel(row.infrastructure),
    // The market's share of proofs delivered (0 to 1), on the core's scale.
    reputation: reputation(row.proofsSubmitted, row.proofsMissed) * 100,
  };
}

/**
 * Splits the providers into those that can take a slot on `terms` now and those that
 * cannot, with the reason: the core's rule for the offer first, then no API URL or an
 * activation time after `nowSeconds`.
 */
export function eligibleProviders(
  providers: readonly ProviderRow[],
  terms: SelectionTerms,
  nowSeconds: number,
): { eligible: QuotedProvider[]; excluded: { address: string; reason: string }[] } {
  const eligible: QuotedProvider[] = [];
  const excluded: { address: string; reason: string }[] = [];
  for (const row of providers) {
    const candidate = candidateOf(row);
    const activeFrom = Number(row.activeFrom);
    const reason =
      "reason" in candidate
        ? candidate.reason
        : (exclusionReason(candidate, terms) ??
          (activeFrom > nowSeconds
            ? `not active until ${new Date(activeFrom * 1000).toISOString()}`
            : undefined));
    if (reason !== undefined) excluded.push({ address: row.id, reason });
    else eligible.push(candidate as QuotedProvider);
  }
  return { eligible, excluded };
}

export interface Quote {
  slotSize: number;
  /** One per slot, in slot order; fewer than n when too few providers qualify. */
  chosen: QuotedProvider[];
  /** Providers still missing to reach n. */
  missing: number;
  /**
   * The request's price: the highest asked among the chosen and the repair reserve (the
   * cheapest providers left over), so a spare can fill a slot a failed provider frees.
   */
  pricePerBytePerSecond: bigint;
  /**
   * The lowest collateral cap among the chosen and the repair reserve: each accepts
   * collateral at or below its own.
   */
  collateralPerByte: bigint;
  escrow: bigint;
  /** Chance that no more than n − k slots are lost over the duration; 0 while providers are missing. */
  durability: DurabilityEstimate;
  /** Providers that cannot take a slot on these terms, with why. */
  excluded: { address: string; reason: string }[];
  /** Distinct regions and infrastructures among the chosen. */
  regions: number;
  infrastructures: number;
}

export interface QuoteInput {
  providers: readonly ProviderRow[];
  fileSize: number;
  k: number;
  n: number;
  duration: bigint;
  encrypted: boolean;
  nowSeconds: number;
  /** The highest price the client pays, in wei per byte per second; absent for any. */
  maxPrice?: bigint;
}

/** Throws `InvalidParameterError` naming the field for terms no request can have. */
function checkInput(input: QuoteInput): void {
  if (!Number.isInteger(input.k) || input.k < 1)
    throw new InvalidParameterError("k", "must be an integer ≥ 1");
  if (!Number.isInteger(input.n) || input.n < input.k || input.n > 255)
    throw new InvalidParameterError("n", `must be an integer from k (${input.k}) to 255`);
  if (input.duration <= 0n) throw new InvalidParameterError("duration", "must be more than 0 seconds");
  if (input.maxPrice !== undefined && input.maxPrice < 0n)
    throw new InvalidParameterError("maxPrice", "must not be negative");
}

/** The spares whose price the core's selection also paid: the cheapest left over, ties by address. */
function repairReserve(eligible: readonly QuotedProvider[], chosen: readonly QuotedProvider[]) {
  const taken = new Set(chosen.map((c) => c.address.toLowerCase()));
  return eligible
    .filter((c) => !taken.has(c.address.toLowerCase()))
    .sort((a, b) => {
      if (a.pricePerBytePerSecond !== b.pricePerBytePerSecond)
        return a.pricePerBytePerSecond < b.pricePerBytePerSecond ? -1 : 1;
      return a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1;
    })
    .slice(0, DEFAULT_REPAIR_RESERVE);
}

/**
 * The quote for a file on these terms. Throws `InvalidParameterError` for terms no request
 * can have (k, n or the duration); too few providers is not an error but `missing`.
 */
export function quoteStorage(input: QuoteInput): Quote {
  checkInput(input);
  const slotSize = slotSizeFor(input.fileSize, input.k, input.encrypted);
  const terms: SelectionTerms = {
    slots: input.n,
    slotSize: BigInt(slotSize),
    duration: input.duration,
    // The collateral follows from the choice (the most all of them accept), so it sets no one aside.
    collateralPerByte: 0n,
    maxPricePerBytePerSecond: input.maxPrice,
    repairReserve: DEFAULT_REPAIR_RESERVE,
  };
  const { eligible, excluded } = eligibleProviders(input.providers, terms, input.nowSeconds);
  // With too few, the page still shows those that qualify, in the core's order, and what is missing.
  const slots = Math.min(input.n, eligible.length);
  const selection = slots === 0 ? undefined : selectProviders(eligible, { ...terms, slots });
  const chosen = (selection?.chosen ?? []) as QuotedProvider[];
  const price = selection?.pricePerBytePerSecond ?? 0n;
  const collateral = [...chosen, ...repairReserve(eligible, chosen)].reduce(
    (min, c) => (min === undefined || c.maxCollateralPerByte < min ? c.maxCollateralPerByte : min),
    undefined as bigint | undefined,
  );
  const missing = input.n - chosen.length;
  return {
    slotSize,
    chosen,
    missing,
    pricePerBytePerSecond: price,
    collateralPerByte: collateral ?? 0n,
    // The contract's rule (IStorageMarket.Request): n × slotSize × price × duration.
    escrow: BigInt(input.n) * BigInt(slotSize) * price * input.duration,
    durability:
      missing > 0
        ? { survival: 0, nines: 0 }
        : expectedDurability(
            chosen.map((c) => c.reputation),
            input.n - input.k,
            Number(input.duration),
          ),
    excluded,
    regions: selection?.regions ?? 0,
    infrastructures: selection?.infrastructures ?? 0,
  };
}
