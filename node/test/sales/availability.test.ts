import { describe, expect, it } from "vitest";
import {
  type AvailabilityPolicy,
  checkPolicy,
  DEFAULT_AVAILABILITY,
  decide,
  type SlotForPolicy,
} from "../../src/sales/index.ts";

const policy: AvailabilityPolicy = {
  space: 10_000n,
  minPricePerBytePerSecond: 5n,
  maxDuration: 3_600n,
  maxCollateralPerByte: 100n,
  takeOpenSlots: true,
  takeRepairs: true,
};
const terms = { slotSize: 1_000n, duration: 3_600n, pricePerBytePerSecond: 5n, collateralPerByte: 100n };
const open: SlotForPolicy = { designation: "open", repair: false, usedSpace: 0n, holdsSiblingSlot: false };

describe("the availability policy", () => {
  it("takes a slot whose terms are all at the policy's limits", () => {
    expect(decide(policy, terms, open)).toEqual({ take: true });
    expect(decide(policy, terms, { ...open, usedSpace: 9_000n })).toEqual({ take: true });
  });

  it.each([
    ["designated-to-other", policy, terms, { ...open, designation: "other" }],
    ["open-slots-off", { ...policy, takeOpenSlots: false }, terms, open],
    ["repairs-off", { ...policy, takeRepairs: false }, terms, { ...open, repair: true }],
    ["no-space", policy, terms, { ...open, usedSpace: 9_001n }],
    ["price-too-low", policy, { ...terms, pricePerBytePerSecond: 4n }, open],
    ["duration-too-long", policy, { ...terms, duration: 3_601n }, open],
    ["collateral-too-high", policy, { ...terms, collateralPerByte: 101n }, open],
    ["sibling-slot", policy, terms, { ...open, holdsSiblingSlot: true }],
  ] as const)("declines with %s", (reason, p, t, slot) => {
    const decision = decide(p, t, slot as SlotForPolicy);
    expect(decision.take).toBe(false);
    expect(decision.take === false && decision.reason).toBe(reason);
    expect(decision.take === false && decision.message.length).toBeGreaterThan(10);
  });

  it("takes designated slots with open slots off, and a sibling when designated", () => {
    const mine: SlotForPolicy = { ...open, designation: "mine", holdsSiblingSlot: true };
    expect(decide({ ...policy, takeOpenSlots: false }, terms, mine)).toEqual({ take: true });
  });

  it("treats a repair of a designated slot as open to anyone", () => {
    const repair: SlotForPolicy = { ...open, designation: "other", repair: true };
    expect(decide(policy, terms, repair)).toEqual({ take: true });
    expect(decide({ ...policy, takeOpenSlots: false }, terms, repair)).toEqual({ take: true });
  });

  it("sells nothing by default, and refuses bad values naming the key", () => {
    expect(decide(DEFAULT_AVAILABILITY, terms, { ...open, designation: "mine" })).toMatchObject({
      take: false,
      reason: "no-space",
    });
    expect(() => checkPolicy({ ...policy, space: -1n })).toThrow(/sales\.space/);
    expect(() => checkPolicy({ ...policy, takeOpenSlots: "yes" as never })).toThrow(/sales\.takeOpenSlots/);
  });
});
