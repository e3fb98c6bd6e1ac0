/**
 * StorageMarket's events: requests and their slots through fill, proofs, misses, repair
 * and payout; and the proof periods' recorded seeds.
 */
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import {
  FundsWithdrawn,
  PaymentCollected,
  ProofMissed,
  ProofSubmitted,
  RequestCancelled,
  RequestFailed,
  RequestFinished,
  RequestStarted,
  SeedRecorded,
  SlotFilled,
  SlotFreed,
  StorageRequested,
} from "../../generated/StorageMarket/StorageMarket";
import { MissedProof, PeriodSeed, ProofSubmission, Slot, StorageRequest } from "../../generated/schema";
import {
  ZERO,
  createOrLoadMarketDayStats,
  createOrLoadMarketStats,
  createOrLoadProvider,
  eventId,
  loadRequest,
  loadSlot,
  slotIdOf,
} from "./helpers";

export function handleStorageRequested(event: StorageRequested): void {
  const params = event.params;
  const terms = params.request;
  const request = new StorageRequest(params.requestId);
  request.client = params.client;
  request.nonce = terms.nonce;
  request.cid = terms.cid;
  request.state = "New";
  request.slotRoots = terms.slotRoots;
  request.designatedProviders = changetype<Array<Bytes>>(terms.providers);
  request.slotCount = terms.slotRoots.length;
  request.dataSlots = terms.dataSlots;
  request.slotSize = terms.slotSize;
  request.duration = terms.duration;
  request.pricePerBytePerSecond = terms.pricePerBytePerSecond;
  request.collateralPerByte = terms.collateralPerByte;
  request.proofProbability = terms.proofProbability;
  request.expiry = terms.expiry;
  request.endsAt = params.endsAt;
  request.escrow = params.escrow;
  request.filledSlots = 0;
  request.freeSlots = request.slotCount;
  request.withdrawn = false;
  request.withdrawnAmount = ZERO;
  request.createdAt = event.block.timestamp;
  request.createdAtBlock = event.block.number;
  request.transactionHash = event.transaction.hash;
  request.save();

  for (let i = 0; i < request.slotCount; i++) {
    const slot = new Slot(slotIdOf(params.requestId, i));
    slot.request = params.requestId;
    slot.index = i;
    slot.root = terms.slotRoots[i];
    slot.state = "Free";
    slot.collateral = ZERO;
    slot.repaired = false;
    slot.missedProofCount = 0;
    slot.proofCount = 0;
    slot.payment = ZERO;
    slot.forfeited = ZERO;
    slot.save();
  }

  const stats = createOrLoadMarketStats(event);
  stats.requests += 1;
  stats.totalEscrow = stats.totalEscrow.plus(params.escrow);
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.requests += 1;
  day.escrow = day.escrow.plus(params.escrow);
  day.save();
}

export function handleSlotFilled(event: SlotFilled): void {
  const params = event.params;
  const slot = loadSlot(params.slotId);
  slot.state = "Filled";
  slot.host = params.provider;
  slot.collateral = params.collateral;
  slot.repaired = params.repair;
  slot.filledAt = event.block.timestamp;
  slot.filledAtBlock = event.block.number;
  // A fill carries the slot's first proof; a repair starts the miss count afresh.
  slot.missedProofCount = 0;
  slot.save();

  const request = loadRequest(slot.request);
  request.filledSlots += 1;
  request.freeSlots -= 1;
  request.save();

  const provider = createOrLoadProvider(params.provider, event);
  provider.slotsFilled += 1;
  provider.updatedAt = event.block.timestamp;
  provider.save();

  const stats = createOrLoadMarketStats(event);
  stats.slotsFilled += 1;
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.slotsFilled += 1;
  day.save();
}

export function handleRequestStarted(event: RequestStarted): void {
  const request = loadRequest(event.params.requestId);
  request.state = "Started";
  request.startPeriod = event.params.startPeriod;
  request.startedAt = event.block.timestamp;
  request.save();

  const stats = createOrLoadMarketStats(event);
  stats.startedRequests += 1;
  stats.save();
}

export function handleProofSubmitted(event: ProofSubmitted): void {
  const slot = loadSlot(event.params.slotId);
  slot.proofCount += 1;
  slot.save();

  const proof = new ProofSubmission(eventId(event));
  proof.slot = slot.id;
  proof.request = slot.request;
  proof.provider = slot.host;
  proof.period = event.params.period;
  proof.blockNumber = event.block.number;
  proof.timestamp = event.block.timestamp;
  proof.transactionHash = event.transaction.hash;
  proof.save();

  const host = slot.host;
  if (host !== null) {
    const provider = createOrLoadProvider(host, event);
    provider.proofsSubmitted += 1;
    provider.save();
  }
  const stats = createOrLoadMarketStats(event);
  stats.proofsSubmitted += 1;
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.proofsSubmitted += 1;
  day.save();
}

export function handleProofMissed(event: ProofMissed): void {
  const params = event.params;
  // Emitted before the slot is freed (SlotFreed follows in the same call), so the host
  // is still the one that missed.
  const slot = loadSlot(params.slotId);
  slot.missedProofCount += 1;
  slot.collateral = slot.collateral.minus(params.slashed);
  slot.save();

  const missed = new MissedProof(eventId(event));
  missed.slot = slot.id;
  missed.request = slot.request;
  missed.provider = slot.host;
  missed.period = params.period;
  missed.validator = params.validator;
  missed.slashed = params.slashed;
  missed.reward = params.reward;
  missed.blockNumber = event.block.number;
  missed.timestamp = event.block.timestamp;
  missed.transactionHash = event.transaction.hash;
  missed.save();

  const host = slot.host;
  if (host !== null) {
    const provider = createOrLoadProvider(host, event);
    provider.proofsMissed += 1;
    provider.save();
  }
  const stats = createOrLoadMarketStats(event);
  stats.proofsMissed += 1;
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.proofsMissed += 1;
  day.save();
}

export function handleSlotFreed(event: SlotFreed): void {
  const params = event.params;
  const slot = loadSlot(params.slotId);
  slot.state = "Repair";
  slot.host = null;
  slot.forfeited = slot.forfeited.plus(params.forfeited);
  slot.collateral = ZERO;
  slot.save();

  const request = loadRequest(slot.request);
  request.filledSlots -= 1;
  request.freeSlots += 1;
  request.save();

  const provider = createOrLoadProvider(params.provider, event);
  provider.slotsFreed += 1;
  provider.updatedAt = event.block.timestamp;
  provider.save();

  const stats = createOrLoadMarketStats(event);
  stats.slotsFreed += 1;
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.slotsFreed += 1;
  day.save();
}

function endRequest(requestId: Bytes, state: string, endedAt: BigInt, event: ethereum.Event): void {
  const request = loadRequest(requestId);
  request.state = state;
  request.endedAt = endedAt;
  request.save();
  const stats = createOrLoadMarketStats(event);
  if (state == "Cancelled") stats.cancelledRequests += 1;
  else if (state == "Failed") stats.failedRequests += 1;
  else stats.finishedRequests += 1;
  stats.save();
}

export function handleRequestCancelled(event: RequestCancelled): void {
  const request = loadRequest(event.params.requestId);
  endRequest(request.id, "Cancelled", request.expiry, event);
}

export function handleRequestFailed(event: RequestFailed): void {
  endRequest(event.params.requestId, "Failed", event.block.timestamp, event);
}

export function handleRequestFinished(event: RequestFinished): void {
  const request = loadRequest(event.params.requestId);
  endRequest(request.id, "Finished", request.endsAt, event);
}

export function handlePaymentCollected(event: PaymentCollected): void {
  const params = event.params;
  const slot = loadSlot(params.slotId);
  slot.state = "Collected";
  slot.payment = slot.payment.plus(params.payment);
  slot.collateral = ZERO;
  slot.save();

  const provider = createOrLoadProvider(params.provider, event);
  provider.totalCollected = provider.totalCollected.plus(params.payment);
  provider.updatedAt = event.block.timestamp;
  provider.save();

  const stats = createOrLoadMarketStats(event);
  stats.totalPayments = stats.totalPayments.plus(params.payment);
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.payments = day.payments.plus(params.payment);
  day.save();
}

export function handleFundsWithdrawn(event: FundsWithdrawn): void {
  const request = loadRequest(event.params.requestId);
  request.withdrawn = true;
  request.withdrawnAmount = event.params.amount;
  request.save();
}

export function handleSeedRecorded(event: SeedRecorded): void {
  const seed = new PeriodSeed(eventId(event));
  seed.period = event.params.period;
  seed.seed = event.params.seed;
  seed.blockNumber = event.block.number;
  seed.timestamp = event.block.timestamp;
  seed.transactionHash = event.transaction.hash;
  seed.save();
}
