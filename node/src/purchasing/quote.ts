/**
 * A quote: which n = k + m providers would hold a dataset's slots, at what price, for what
 * escrow, and how durable the result is expected to be. The choice is core's
 * `selectProviders` (price, reputation, region and infrastructure diversity); before it,
 * providers that cannot take a slot at all are set aside with the reason, including what
 * core cannot know: no REST API to push the slot to, an activation delay not yet passed
 * on the chain's clock, too little free stake for the slot's collateral, or (when the
 * caller can probe) a REST API that does not answer, since the slot could not be pushed.
 */
import {
  BLOCK_SIZE,
  expectedDurability,
  exclusionReason,
  NEUTRAL_REPUTATION,
  selectProviders,
  stripeCount,
} from "../core/index.ts";
import type { ProviderCandidate } from "../core/index.ts";
import type { ProviderRecord } from "../discovery/index.ts";
import type { ReputationRecorder } from "../reputation/index.ts";
import { NotEnoughProvidersError, PurchaseInputError } from "./errors.ts";
import type { MarketReader } from "./market.ts";
import type { ProviderSource } from "./provider-source.ts";

export interface QuoteInput {
  /** Data slots. */
  k: number;
  /** Parity slots. */
  m: number;
  /** Bytes per slot: whole 256 KiB blocks (`slotSizeFor`). */
  slotSize: bigint;
  /** Seconds. */
  duration: bigint;
  /** The most the client pays, wei per byte per second; no limit when unset. */
  maxPricePerBytePerSecond?: bigint;
  /** wei per byte of slot each provider locks. */
  collateralPerByte: bigint;
}

export interface QuotedProvider {
  address: `0x${string}`;
  peerId: string | undefined;
  apiUrl: string;
  region: string;
  infrastructure: string;
  pricePerBytePerSecond: bigint;
  /** 0 to 100 in the "storing" context; 50 when unknown. */
  reputation: number;
}

export interface Quote {
  k: number;
  m: number;
  slotSize: bigint;
  duration: bigint;
  collateralPerByte: bigint;
  /** The request's price: the highest asked among the chosen. */
  pricePerBytePerSecond: bigint;
  /** wei, from the market's `requiredEscrow`. */
  escrow: bigint;
  /** One per slot, in slot order. */
  providers: QuotedProvider[];
  excluded: { address: string; reason: string }[];
  regions: number;
  infrastructures: number;
  durability: { survival: number; nines: number };
}

export interface QuoteComponents {
  market: MarketReader;
  providers: ProviderSource;
  reputation?: Pick<ReputationRecorder, "score">;
  /** Whether a provider's REST API answers now; without it, every published API is assumed up. */
  reachable?: (apiUrl: string) => Promise<boolean>;
}

const UINT128_MAX = 2n ** 128n - 1n;

/** Bytes per slot of a `size`-byte file coded with k data slots. */
export function slotSizeFor(size: number, k: number): bigint {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new PurchaseInputError("size", "must be a whole number of bytes");
  return BigInt(stripeCount(Math.ceil(size / BLOCK_SIZE), k) * BLOCK_SIZE);
}

/** Checks the terms against the market's bounds, naming the field at fault. */
export async function checkTerms(market: MarketReader, input: QuoteInput): Promise<void> {
  const limits = await market.config();
  if (!Number.isInteger(input.k) || input.k < 1) throw new PurchaseInputError("k", "must be an integer ≥ 1");
  if (!Number.isInteger(input.m) || input.m < 0) throw new PurchaseInputError("m", "must be an integer ≥ 0");
  const n = input.k + input.m;
  const most = Math.min(limits.maxSlots, 255);
  if (n > most)
    throw new PurchaseInputError("m", `k + m = ${n} is over the market's ${most} slots per request`);
  if (input.duration <= 0n) throw new PurchaseInputError("duration", "must be more than 0 seconds");
  if (input.duration > limits.maxDuration)
    throw new PurchaseInputError("duration", `must be at most the market's ${limits.maxDuration} s`);
  if (input.slotSize < limits.minSlotSize || input.slotSize > limits.maxSlotSize)
    throw new PurchaseInputError(
      "size",
      `a slot of ${input.slotSize} B is outside the market's ${limits.minSlotSize} to ${limits.maxSlotSize} B`,
    );
  if (input.collateralPerByte < 0n || input.collateralPerByte > UINT128_MAX)
    throw new PurchaseInputError("collateralPerByte", `must be from 0 to ${UINT128_MAX} wei`);
  const maxPrice = input.maxPricePerBytePerSecond;
  if (maxPrice !== undefined && (maxPrice < 0n || maxPrice > UINT128_MAX))
    throw new PurchaseInputError("maxPrice", `must be from 0 to ${UINT128_MAX} wei`);
}

function reasonBeyondOffer(record: ProviderRecord, now: number, collateral: bigint): string | undefined {
  if (record.apiUrls.length === 0) return "publishes no REST API URL to push its slot to";
  if (record.activeFrom > now) return `not active until ${new Date(record.activeFrom * 1000).toISOString()}`;
  const free = record.stake - record.lockedCollateral;
  if (free < collateral) return `free stake ${free} wei is under the slot's collateral ${collateral} wei`;
  return undefined;
}

/** Moves the candidates whose REST API does not answer from `eligible` to `excluded`. */
async function setAsideUnreachable(
  reachable: (apiUrl: string) => Promise<boolean>,
  eligible: ProviderCandidate[],
  byAddress: Map<string, ProviderRecord>,
  excluded: Quote["excluded"],
): Promise<void> {
  const answers = await Promise.all(
    eligible.map((candidate) => {
      const apiUrl = byAddress.get(candidate.address)?.apiUrls[0] as string;
      return reachable(apiUrl).then((up) => ({ candidate, apiUrl, up }));
    }),
  );
  eligible.length = 0;
  for (const { candidate, apiUrl, up } of answers) {
    if (up) eligible.push(candidate);
    else excluded.push({ address: candidate.address, reason: `its REST API at ${apiUrl} does not answer` });
  }
}

export async function quoteStorage(components: QuoteComponents, input: QuoteInput): Promise<Quote> {
  await checkTerms(components.market, input);
  const n = input.k + input.m;
  const [records, now] = await Promise.all([components.providers.providers(), components.market.now()]);
  const terms = {
    slots: n,
    slotSize: input.slotSize,
    duration: input.duration,
    collateralPerByte: input.collateralPerByte,
    maxPricePerBytePerSecond: input.maxPricePerBytePerSecond,
  };
  const collateral = input.collateralPerByte * input.slotSize;
  const excluded: Quote["excluded"] = [];
  const eligible: ProviderCandidate[] = [];
  const byAddress = new Map<string, ProviderRecord>();
  for (const record of records) {
    const reputation =
      record.peerId === undefined ? undefined : components.reputation?.score(record.peerId, "storing");
    const candidate: ProviderCandidate = {
      address: record.address,
      ...record.offer,
      reputation,
      available: !record.paused,
    };
    const reason = exclusionReason(candidate, terms) ?? reasonBeyondOffer(record, now, collateral);
    if (reason !== undefined) excluded.push({ address: record.address, reason });
    else {
      eligible.push(candidate);
      byAddress.set(record.address, record);
    }
  }
  if (components.reachable !== undefined)
    await setAsideUnreachable(components.reachable, eligible, byAddress, excluded);
  if (eligible.length < n) throw new NotEnoughProvidersError(n, eligible.length, excluded);
  const selection = selectProviders(eligible, terms);
  const escrow = await components.market.requiredEscrow(
    n,
    input.slotSize,
    selection.pricePerBytePerSecond,
    input.duration,
  );
  const providers = selection.chosen.map((c): QuotedProvider => {
    const record = byAddress.get(c.address) as ProviderRecord;
    return {
      address: record.address,
      peerId: record.peerId,
      apiUrl: record.apiUrls[0] as string,
      region: c.region,
      infrastructure: c.infrastructure,
      pricePerBytePerSecond: c.pricePerBytePerSecond,
      reputation: c.reputation ?? NEUTRAL_REPUTATION,
    };
  });
  return {
    k: input.k,
    m: input.m,
    slotSize: input.slotSize,
    duration: input.duration,
    collateralPerByte: input.collateralPerByte,
    pricePerBytePerSecond: selection.pricePerBytePerSecond,
    escrow,
    providers,
    excluded,
    regions: selection.regions,
    infrastructures: selection.infrastructures,
    durability: expectedDurability(
      providers.map((p) => p.reputation),
      input.m,
      Number(input.duration),
    ),
  };
}
