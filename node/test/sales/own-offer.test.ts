/** The registered offer checked against a slot's terms, as the market's fillSlot checks it. */
import { describe, expect, it } from "vitest";
import { offerRejection } from "../../src/sales/own-offer.ts";

const offer = {
  pricePerBytePerSecond: 5n,
  maxCollateralPerByte: 1_000n,
  minDuration: 60n,
  maxDuration: 86_400n,
  capacity: 2n ** 30n,
};
const terms = { pricePerBytePerSecond: 5n, collateralPerByte: 1_000n, duration: 60n, slotSize: 2n ** 30n };

describe("offerRejection", () => {
  it("accepts terms on every bound", () => {
    expect(offerRejection(offer, terms)).toBeUndefined();
    expect(offerRejection(offer, { ...terms, duration: 86_400n, pricePerBytePerSecond: 9n })).toBeUndefined();
  });

  it.each([
    [{ pricePerBytePerSecond: 4n }, /asks 5 wei\/B\/s; the request pays 4/],
    [{ collateralPerByte: 1_001n }, /at most 1000 wei\/B of collateral/],
    [{ duration: 59n }, /60 s or more; this is 59 s/],
    [{ duration: 86_401n }, /86400 s or less/],
    [{ slotSize: 2n ** 30n + 1n }, /capacity/],
  ])("names what the market would refuse: %o", (change, message) => {
    expect(offerRejection(offer, { ...terms, ...change })).toMatch(message);
  });
});
