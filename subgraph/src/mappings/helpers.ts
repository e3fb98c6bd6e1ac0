/**
 * Loading and creating entities for the mappings, and the ids and conversions they share.
 * Every mapping file goes through `createOrLoad<Entity>` so that new entities start with
 * all their required fields set.
 */
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { MarketDayStats, MarketStats, Provider, StorageRequest, Slot } from "../../generated/schema";

export const ZERO = BigInt.zero();
export const MARKET_STATS_ID = "market";
const SECONDS_PER_DAY = 86400;

/** The id of an event-log entity: transaction hash + log index. */
export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

/** A bytes16 label (`region`, `infrastructure`) as text, trailing zero bytes dropped. */
export function label(value: Bytes): string {
  let end = value.length;
  while (end > 0 && value[end - 1] == 0) end--;
  return Bytes.fromUint8Array(value.subarray(0, end)).toString();
}

/** Slot `index` of `requestId`, as `RequestIds.slot` makes it. */
export function slotIdOf(requestId: Bytes, index: i32): Bytes {
  const id = new Bytes(requestId.length);
  for (let i = 0; i < requestId.length; i++) id[i] = requestId[i];
  id[requestId.length - 2] = ((index >> 8) & 0xff) as u8;
  id[requestId.length - 1] = (index & 0xff) as u8;
  return id;
}

export function createOrLoadProvider(address: Bytes, event: ethereum.Event): Provider {
  let provider = Provider.load(address);
  if (provider == null) {
    provider = new Provider(address);
    provider.registered = false;
    provider.paused = false;
    provider.stake = ZERO;
    provider.lockedCollateral = ZERO;
    provider.exitAmount = ZERO;
    provider.exitUnlocksAt = ZERO;
    provider.activeFrom = ZERO;
    provider.pricePerBytePerSecond = ZERO;
    provider.maxCollateralPerByte = ZERO;
    provider.minDuration = ZERO;
    provider.maxDuration = ZERO;
    provider.capacity = ZERO;
    provider.region = "";
    provider.infrastructure = "";
    provider.peerId = Bytes.empty();
    provider.multiaddrs = [];
    provider.totalSlashed = ZERO;
    provider.totalWithdrawn = ZERO;
    provider.totalCollected = ZERO;
    provider.slotsFilled = 0;
    provider.slotsFreed = 0;
    provider.proofsSubmitted = 0;
    provider.proofsMissed = 0;
    provider.registeredAt = event.block.timestamp;
    provider.registeredAtBlock = event.block.number;
    provider.updatedAt = event.block.timestamp;
  }
  return provider;
}

/**
 * A request's slots exist from `StorageRequested` on; a slot event for an unknown request
 * means the subgraph started after the request, which the manifest's start blocks rule out.
 */
export function loadRequest(requestId: Bytes): StorageRequest {
  const request = StorageRequest.load(requestId);
  if (request == null) throw new Error("unknown request " + requestId.toHexString());
  return request;
}

export function loadSlot(slotId: Bytes): Slot {
  const slot = Slot.load(slotId);
  if (slot == null) throw new Error("unknown slot " + slotId.toHexString());
  return slot;
}

export function createOrLoadMarketStats(event: ethereum.Event): MarketStats {
  let stats = MarketStats.load(MARKET_STATS_ID);
  if (stats == null) {
    stats = new MarketStats(MARKET_STATS_ID);
    stats.providers = 0;
    stats.totalStake = ZERO;
    stats.totalLockedCollateral = ZERO;
    stats.totalSlashed = ZERO;
    stats.requests = 0;
    stats.startedRequests = 0;
    stats.finishedRequests = 0;
    stats.failedRequests = 0;
    stats.cancelledRequests = 0;
    stats.totalEscrow = ZERO;
    stats.totalPayments = ZERO;
    stats.slotsFilled = 0;
    stats.slotsFreed = 0;
    stats.proofsSubmitted = 0;
    stats.proofsMissed = 0;
    stats.channels = 0;
    stats.totalChannelDeposits = ZERO;
    stats.totalChannelPayouts = ZERO;
  }
  stats.updatedAt = event.block.timestamp;
  return stats;
}

export function createOrLoadMarketDayStats(event: ethereum.Event): MarketDayStats {
  const day = event.block.timestamp.toI64() / SECONDS_PER_DAY;
  const id = day.toString();
  let stats = MarketDayStats.load(id);
  if (stats == null) {
    stats = new MarketDayStats(id);
    stats.day = day as i32;
    stats.dayStart = BigInt.fromI64(day * SECONDS_PER_DAY);
    stats.newProviders = 0;
    stats.stakeAdded = ZERO;
    stats.slashed = ZERO;
    stats.requests = 0;
    stats.escrow = ZERO;
    stats.payments = ZERO;
    stats.slotsFilled = 0;
    stats.slotsFreed = 0;
    stats.proofsSubmitted = 0;
    stats.proofsMissed = 0;
    stats.channelsOpened = 0;
    stats.channelPayouts = ZERO;
  }
  return stats;
}
