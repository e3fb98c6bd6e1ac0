/**
 * The availability policy: which slots this node sells its disk to. `decide` is pure, so
 * the upload route and the agent ask the same question and get the same answer, and tests
 * pin every reason. The market checks the node's registry offer at every fill as well;
 * this policy is the node's own, usually stricter, view (its real free space above all).
 */
import { InvalidSalesOptionError } from "./errors.ts";

export interface AvailabilityPolicy {
  /** Bytes of disk sold in all: slots held or being filled count against it. */
  space: bigint;
  /** Lowest price taken, wei per byte per second. */
  minPricePerBytePerSecond: bigint;
  /** Longest request taken, seconds. */
  maxDuration: bigint;
  /** Most collateral locked per byte of slot, wei. */
  maxCollateralPerByte: bigint;
  /** Take open (non-designated) slots of new requests. Designated slots are always considered. */
  takeOpenSlots: boolean;
  /** Repair freed slots (open to any provider, with a collateral discount). */
  takeRepairs: boolean;
}

/** `sales.*` defaults: sell nothing until the operator says how much disk. */
export const DEFAULT_AVAILABILITY: AvailabilityPolicy = {
  space: 0n,
  minPricePerBytePerSecond: 0n,
  maxDuration: 365n * 86_400n,
  maxCollateralPerByte: 0n,
  takeOpenSlots: false,
  takeRepairs: true,
};

/** The terms of a request, as `decide` needs them. */
export interface RequestTermsForPolicy {
  slotSize: bigint;
  duration: bigint;
  pricePerBytePerSecond: bigint;
  collateralPerByte: bigint;
}

/** One slot of the request, seen from this node. */
export interface SlotForPolicy {
  /** "mine": designated to this node; "open": anyone may fill; "other": designated to another. */
  designation: "mine" | "open" | "other";
  /** The slot was freed and is being repaired. Repairs are open to any provider. */
  repair: boolean;
  /** Bytes of slots this node holds or is filling now. */
  usedSpace: bigint;
  /** This node already holds another slot of the same request. */
  holdsSiblingSlot: boolean;
}

export type DeclineReason =
  | "designated-to-other"
  | "open-slots-off"
  | "repairs-off"
  | "no-space"
  | "price-too-low"
  | "duration-too-long"
  | "collateral-too-high"
  | "sibling-slot";

export type Decision = { take: true } | { take: false; reason: DeclineReason; message: string };

const decline = (reason: DeclineReason, message: string): Decision => ({ take: false, reason, message });

/** Whether to take `slot` of a request with `terms`, and if not, why. */
export function decide(
  policy: AvailabilityPolicy,
  terms: RequestTermsForPolicy,
  slot: SlotForPolicy,
): Decision {
  if (!slot.repair && slot.designation === "other")
    return decline("designated-to-other", "the slot is designated to another provider");
  if (slot.repair && !policy.takeRepairs)
    return decline("repairs-off", "this node does not repair freed slots (sales.takeRepairs)");
  if (!slot.repair && slot.designation === "open" && !policy.takeOpenSlots)
    return decline("open-slots-off", "this node does not take open slots (sales.takeOpenSlots)");
  if (slot.usedSpace + terms.slotSize > policy.space)
    return decline(
      "no-space",
      `the slot's ${terms.slotSize} B do not fit: ${slot.usedSpace} of ${policy.space} B sold (sales.space)`,
    );
  if (terms.pricePerBytePerSecond < policy.minPricePerBytePerSecond)
    return decline(
      "price-too-low",
      `price ${terms.pricePerBytePerSecond} wei/B/s is under the minimum ${policy.minPricePerBytePerSecond} (sales.minPricePerBytePerSecond)`,
    );
  if (terms.duration > policy.maxDuration)
    return decline(
      "duration-too-long",
      `duration ${terms.duration} s is over the maximum ${policy.maxDuration} s (sales.maxDuration)`,
    );
  if (terms.collateralPerByte > policy.maxCollateralPerByte)
    return decline(
      "collateral-too-high",
      `collateral ${terms.collateralPerByte} wei/B is over the maximum ${policy.maxCollateralPerByte} (sales.maxCollateralPerByte)`,
    );
  // A client designates for diversity; for open slots, two of one request on one disk
  // would be lost together, which is what erasure coding across providers is meant to avoid.
  if (slot.holdsSiblingSlot && slot.designation !== "mine")
    return decline("sibling-slot", "this node already holds another slot of the request");
  return { take: true };
}

/** Checks a policy from config; a bad value names its key. */
export function checkPolicy(policy: AvailabilityPolicy): AvailabilityPolicy {
  for (const field of ["space", "minPricePerBytePerSecond", "maxDuration", "maxCollateralPerByte"] as const) {
    const value = policy[field];
    if (typeof value !== "bigint" || value < 0n)
      throw new InvalidSalesOptionError(field, `must be a non-negative integer, got ${String(value)}`);
  }
  for (const field of ["takeOpenSlots", "takeRepairs"] as const)
    if (typeof policy[field] !== "boolean")
      throw new InvalidSalesOptionError(field, `must be true or false, got ${String(policy[field])}`);
  return policy;
}
