import { describe, expect, it } from "vitest";
import {
  expectedDurability,
  nines,
  type ProviderCandidate,
  selectProviders,
  slotLossProbability,
  survivalProbability,
} from "../../src/core/index.ts";

function candidate(
  address: string,
  price: number,
  region: string,
  infrastructure: string,
  reputation?: number,
): ProviderCandidate {
  return {
    address,
    pricePerBytePerSecond: BigInt(price),
    maxCollateralPerByte: 1000n,
    minDuration: 60n,
    maxDuration: 10n ** 8n,
    capacity: 2n ** 30n,
    region,
    infrastructure,
    reputation,
  };
}

const terms = { slots: 3, slotSize: 2n ** 20n, duration: 3600n, collateralPerByte: 10n };

describe("selectProviders", () => {
  it("spreads over regions and infrastructures before taking the cheapest twice in one place", () => {
    const pool = [
      candidate("0xa1", 1, "eu", "hetzner"),
      candidate("0xa2", 1, "eu", "hetzner"),
      candidate("0xa3", 1, "eu", "hetzner"),
      candidate("0xb1", 2, "us", "aws"),
      candidate("0xc1", 2, "ap", "equinix"),
    ];
    const selection = selectProviders(pool, terms);
    expect(selection.chosen.map((c) => c.address)).toEqual(["0xa1", "0xb1", "0xc1"]);
    expect(selection.regions).toBe(3);
    expect(selection.pricePerBytePerSecond).toBe(2n);
  });

  it("prices the request to cover the cheapest spare too, so a freed slot can be repaired", () => {
    const pool = [
      candidate("0xa1", 1, "eu", "hetzner"),
      candidate("0xb1", 2, "us", "aws"),
      candidate("0xc1", 4, "ap", "equinix"),
      candidate("0xd1", 9, "sa", "colo"),
    ];
    const selection = selectProviders(pool, { ...terms, slots: 2 });
    expect(selection.chosen.map((c) => c.address)).toEqual(["0xa1", "0xb1"]);
    // 0xc1 is the cheapest provider left over: the request pays its price, not 0xd1's.
    expect(selection.pricePerBytePerSecond).toBe(4n);
    expect(selectProviders(pool, { ...terms, slots: 2, repairReserve: 0 }).pricePerBytePerSecond).toBe(2n);
    expect(selectProviders(pool, { ...terms, slots: 2, repairReserve: 2 }).pricePerBytePerSecond).toBe(9n);
    // With nobody left over, the chosen set the price.
    expect(selectProviders(pool, { ...terms, slots: 4 }).pricePerBytePerSecond).toBe(9n);
    expect(() => selectProviders(pool, { ...terms, repairReserve: -1 })).toThrow(/repairReserve/);
  });

  it("prefers a good reputation at equal price, and is deterministic", () => {
    const pool = [
      candidate("0x2", 3, "eu", "x", 20),
      candidate("0x1", 3, "us", "y", 90),
      candidate("0x3", 3, "ap", "z", 60),
    ];
    const first = selectProviders(pool, { ...terms, slots: 1 });
    expect(first.chosen[0]?.address).toBe("0x1");
    expect(selectProviders([...pool].reverse(), terms).chosen).toEqual(selectProviders(pool, terms).chosen);
  });

  it("excludes, with reasons, providers that cannot take a slot on these terms", () => {
    const pool = [
      { ...candidate("0x1", 1, "eu", "a"), available: false },
      { ...candidate("0x2", 1, "eu", "a"), capacity: 10n },
      { ...candidate("0x3", 1, "eu", "a"), maxDuration: 100n },
      { ...candidate("0x4", 1, "eu", "a"), maxCollateralPerByte: 1n },
      candidate("0x5", 50, "eu", "a"),
      candidate("0x6", 1, "us", "b"),
    ];
    const selection = selectProviders(pool, { ...terms, slots: 1, maxPricePerBytePerSecond: 10n });
    expect(selection.chosen.map((c) => c.address)).toEqual(["0x6"]);
    expect(selection.excluded.map((e) => e.reason)).toEqual([
      "paused or not yet active",
      "capacity 10 B is under the slot size",
      "takes durations of 60 s to 100 s",
      "accepts at most 1 wei/B of collateral",
      "asks 50 wei/B/s, over the maximum",
    ]);
  });

  it("says how many providers qualify when there are too few, and counts an address once", () => {
    const pool = [candidate("0xA", 1, "eu", "a"), candidate("0xa", 1, "eu", "a")];
    expect(() => selectProviders(pool, terms)).toThrow(/3 providers are needed but only 1 can take a slot/);
    expect(() => selectProviders(pool, { ...terms, slots: 0 })).toThrow(
      /slots: must be an integer from 1 to 255/,
    );
  });
});

describe("durability", () => {
  it("matches the binomial formula for equal providers", () => {
    const p = 0.1;
    // n = 3, m = 1: survive with 0 or 1 losses.
    const expected = (1 - p) ** 3 + 3 * p * (1 - p) ** 2;
    expect(survivalProbability([p, p, p], 1)).toBeCloseTo(expected, 12);
    expect(survivalProbability([p, p, p], 3)).toBeCloseTo(1, 12);
    expect(survivalProbability([p, p, p], 0)).toBeCloseTo((1 - p) ** 3, 12);
  });

  it("rises with parity and reputation, and falls with duration", () => {
    const year = 365 * 86_400;
    const base = expectedDurability([50, 50, 50, 50, 50, 50], 2, year).nines;
    expect(expectedDurability([50, 50, 50, 50, 50, 50], 3, year).nines).toBeGreaterThan(base);
    expect(expectedDurability([90, 90, 90, 90, 90, 90], 2, year).nines).toBeGreaterThan(base);
    expect(expectedDurability([50, 50, 50, 50, 50, 50], 2, 10 * year).nines).toBeLessThan(base);
    expect(slotLossProbability(0, year)).toBeGreaterThan(slotLossProbability(100, year));
  });

  it("reports nines and refuses out-of-range inputs", () => {
    expect(nines(0.999)).toBeCloseTo(3, 9);
    expect(nines(1)).toBe(15);
    expect(() => slotLossProbability(101, 1)).toThrow(/reputation/);
    expect(() => survivalProbability([1.5], 0)).toThrow(/lossProbability/);
  });
});
