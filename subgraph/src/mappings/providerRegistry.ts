/**
 * ProviderRegistry's events: providers, their offers and endpoints, and every change to
 * their stake and collateral (a StakeChange each, a Slash for slashes).
 */
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import {
  CollateralLocked,
  CollateralUnlocked,
  EndpointsUpdated,
  OfferUpdated,
  OfferUpdatedOfferStruct,
  ProviderPaused,
  ProviderRegistered,
  ProviderResumed,
  ProviderSlashed,
  StakeAdded,
  StakeWithdrawn,
  WithdrawalRequested,
} from "../../generated/ProviderRegistry/ProviderRegistry";
import { Provider, Slash, StakeChange } from "../../generated/schema";
import {
  ZERO,
  createOrLoadMarketDayStats,
  createOrLoadMarketStats,
  createOrLoadProvider,
  eventId,
  label,
} from "./helpers";

function applyOffer(provider: Provider, offer: ethereum.Tuple): void {
  // ProviderRegistered's and OfferUpdated's offers are the same struct.
  const o = changetype<OfferUpdatedOfferStruct>(offer);
  provider.pricePerBytePerSecond = o.pricePerBytePerSecond;
  provider.maxCollateralPerByte = o.maxCollateralPerByte;
  provider.minDuration = o.minDuration;
  provider.maxDuration = o.maxDuration;
  provider.capacity = o.capacity;
  provider.region = label(o.region);
  provider.infrastructure = label(o.infrastructure);
}

function recordStakeChange(event: ethereum.Event, provider: Provider, kind: string, amount: BigInt): void {
  const change = new StakeChange(eventId(event));
  change.provider = provider.id;
  change.kind = kind;
  change.amount = amount;
  change.stake = provider.stake;
  change.lockedCollateral = provider.lockedCollateral;
  change.blockNumber = event.block.number;
  change.timestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.save();
}

function touch(provider: Provider, event: ethereum.Event): void {
  provider.updatedAt = event.block.timestamp;
  provider.save();
}

export function handleProviderRegistered(event: ProviderRegistered): void {
  const params = event.params;
  const provider = createOrLoadProvider(params.provider, event);
  provider.registered = true;
  provider.stake = params.stake;
  provider.activeFrom = params.activeFrom;
  provider.peerId = params.peerId;
  provider.multiaddrs = params.multiaddrs;
  provider.registeredAt = event.block.timestamp;
  provider.registeredAtBlock = event.block.number;
  applyOffer(provider, params.offer);
  touch(provider, event);
  recordStakeChange(event, provider, "Registered", params.stake);

  const stats = createOrLoadMarketStats(event);
  stats.providers += 1;
  stats.totalStake = stats.totalStake.plus(params.stake);
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.newProviders += 1;
  day.stakeAdded = day.stakeAdded.plus(params.stake);
  day.save();
}

export function handleOfferUpdated(event: OfferUpdated): void {
  const provider = createOrLoadProvider(event.params.provider, event);
  applyOffer(provider, event.params.offer);
  touch(provider, event);
}

export function handleEndpointsUpdated(event: EndpointsUpdated): void {
  const provider = createOrLoadProvider(event.params.provider, event);
  provider.peerId = event.params.peerId;
  provider.multiaddrs = event.params.multiaddrs;
  touch(provider, event);
}

export function handleProviderPaused(event: ProviderPaused): void {
  const provider = createOrLoadProvider(event.params.provider, event);
  provider.paused = true;
  touch(provider, event);
}

export function handleProviderResumed(event: ProviderResumed): void {
  const provider = createOrLoadProvider(event.params.provider, event);
  provider.paused = false;
  touch(provider, event);
}

export function handleStakeAdded(event: StakeAdded): void {
  const params = event.params;
  const provider = createOrLoadProvider(params.provider, event);
  provider.stake = params.stake;
  touch(provider, event);
  recordStakeChange(event, provider, "Added", params.amount);

  const stats = createOrLoadMarketStats(event);
  stats.totalStake = stats.totalStake.plus(params.amount);
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.stakeAdded = day.stakeAdded.plus(params.amount);
  day.save();
}

export function handleWithdrawalRequested(event: WithdrawalRequested): void {
  const params = event.params;
  const provider = createOrLoadProvider(params.provider, event);
  // A queued exit leaves `stake` at once (the registry's ProviderInfo excludes it).
  provider.stake = provider.stake.minus(params.amount);
  provider.exitAmount = params.exitAmount;
  provider.exitUnlocksAt = params.unlocksAt;
  touch(provider, event);
  recordStakeChange(event, provider, "WithdrawalRequested", params.amount);

  const stats = createOrLoadMarketStats(event);
  stats.totalStake = stats.totalStake.minus(params.amount);
  stats.save();
}

export function handleStakeWithdrawn(event: StakeWithdrawn): void {
  const params = event.params;
  const provider = createOrLoadProvider(params.provider, event);
  provider.exitAmount = provider.exitAmount.minus(params.amount);
  if (provider.exitAmount.isZero()) provider.exitUnlocksAt = ZERO;
  provider.totalWithdrawn = provider.totalWithdrawn.plus(params.amount);
  touch(provider, event);
  recordStakeChange(event, provider, "Withdrawn", params.amount);
}

export function handleCollateralLocked(event: CollateralLocked): void {
  const params = event.params;
  const provider = createOrLoadProvider(params.provider, event);
  provider.lockedCollateral = params.locked;
  touch(provider, event);
  recordStakeChange(event, provider, "CollateralLocked", params.amount);

  const stats = createOrLoadMarketStats(event);
  stats.totalLockedCollateral = stats.totalLockedCollateral.plus(params.amount);
  stats.save();
}

export function handleCollateralUnlocked(event: CollateralUnlocked): void {
  const params = event.params;
  const provider = createOrLoadProvider(params.provider, event);
  provider.lockedCollateral = params.locked;
  touch(provider, event);
  recordStakeChange(event, provider, "CollateralUnlocked", params.amount);

  const stats = createOrLoadMarketStats(event);
  stats.totalLockedCollateral = stats.totalLockedCollateral.minus(params.amount);
  stats.save();
}

export function handleProviderSlashed(event: ProviderSlashed): void {
  const params = event.params;
  const provider = createOrLoadProvider(params.provider, event);
  // As the registry does: locked collateral first, then free stake, then the queued exit.
  const fromStake = params.amount.minus(params.fromExit);
  const fromLocked = fromStake.lt(provider.lockedCollateral) ? fromStake : provider.lockedCollateral;
  provider.lockedCollateral = provider.lockedCollateral.minus(fromLocked);
  provider.stake = provider.stake.minus(fromStake);
  provider.exitAmount = provider.exitAmount.minus(params.fromExit);
  provider.totalSlashed = provider.totalSlashed.plus(params.amount);
  touch(provider, event);
  recordStakeChange(event, provider, "Slashed", params.amount);

  const slash = new Slash(eventId(event));
  slash.provider = provider.id;
  slash.amount = params.amount;
  slash.fromExit = params.fromExit;
  slash.recipients = changetype<Array<Bytes>>(params.recipients);
  slash.shares = params.shares;
  slash.blockNumber = event.block.number;
  slash.timestamp = event.block.timestamp;
  slash.transactionHash = event.transaction.hash;
  slash.save();

  const stats = createOrLoadMarketStats(event);
  stats.totalSlashed = stats.totalSlashed.plus(params.amount);
  stats.totalStake = stats.totalStake.minus(fromStake);
  stats.totalLockedCollateral = stats.totalLockedCollateral.minus(fromLocked);
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.slashed = day.slashed.plus(params.amount);
  day.save();
}
