import {
  BLOCK_SIZE,
  DEFAULT_REPAIR_RESERVE,
  expectedDurability,
  InvalidParameterError,
  type SelectionTerms,
  selectProviders,
} from "@cairn/node/core";
import { describe, expect, it } from "vitest";
import { eligibleProviders, type QuoteInput, quoteStorage, slotSizeFor } from "../../src/lib/quote.ts";
import type { ProviderRow } from "../../src/queries/market.ts";
import { encodeDataset } from "../../src/workers/encode-dataset.ts";

const label = (text: string) => `0x${Buffer.from(text).toString("hex").padEnd(32, "0")}`;

function provider(id: number, overrides: Partial<ProviderRow> = {}): ProviderRow {
  return {
    id: `0x${id.toString(16).padStart(40, "0")}`,
    stake: "1000",
    lockedCollateral: "0",
    pricePerBytePerSecond: "10",
    maxCollateralPerByte: "5",
    minDuration: "60",
    maxDuration: "1000000",
    capacity: String(1 << 30),
    region: label("eu"),
    infrastructure: label("home"),
    peerId: "0x00",
    multiaddrs: [`/ip4/10.0.0.${id}/tcp/8080/http`],
    activeFrom: "0",
    proofsSubmitted: "0",
    proofsMissed: "0",
    slotsFilled: "0",
    slotsFreed: "0",
    totalSlashed: "0",
    ...overrides,
  } as ProviderRow;
}

describe("slotSizeFor", () => {
  it("predicts the slot size the core's encoder produces, plain and encrypted", async () => {
    for (const [size, k, encrypt] of [
      [1, 1, false],
      [BLOCK_SIZE * 3 + 5, 2, false],
      [BLOCK_SIZE * 2, 2, true],
    ] as const) {
      const file = new Blob([new Uint8Array(size).fill(3)]);
      const key = encrypt ? new Uint8Array(32).fill(9) : undefined;
      const encoded = await encodeDataset({ file, k, m: 1, key });
      expect(slotSizeFor(size, k, encrypt), `${size} B, k=${k}, encrypted=${encrypt}`).toBe(encoded.slotSize);
    }
  });
});

const address = (id: number) => `0x${id.toString(16).padStart(40, "0")}`;

/** Terms every test provider accepts unless told: one block per slot (a 100 B file), 1000 s. */
function quote(providers: ProviderRow[], overrides: Partial<QuoteInput> = {}) {
  return quoteStorage({
    providers,
    fileSize: 100,
    k: 1,
    n: 2,
    duration: 1000n,
    encrypted: false,
    nowSeconds: 10,
    ...overrides,
  });
}

describe("quoteStorage", () => {
  it("chooses with the core's selectProviders, as the client's node does", () => {
    const providers = [
      provider(1, { pricePerBytePerSecond: "10" }),
      provider(2, { pricePerBytePerSecond: "12" }),
      provider(3, { pricePerBytePerSecond: "30", region: label("us"), infrastructure: label("cloud") }),
      provider(4, { pricePerBytePerSecond: "11", proofsSubmitted: 98 }), // reputation 99
      provider(5, { pricePerBytePerSecond: "40", region: label("ap") }),
    ];
    const q = quote(providers, { k: 2, n: 3 });
    const terms: SelectionTerms = {
      slots: 3,
      slotSize: BigInt(BLOCK_SIZE),
      duration: 1000n,
      collateralPerByte: 0n,
    };
    const core = selectProviders(eligibleProviders(providers, terms, 10).eligible, terms);
    expect(q.chosen.map((c) => c.address)).toEqual(core.chosen.map((c) => c.address));
    expect(q.pricePerBytePerSecond).toBe(core.pricePerBytePerSecond);
    expect([q.regions, q.infrastructures]).toEqual([core.regions, core.infrastructures]);
    // The reliable provider 4 first, then a new region and infrastructure (3) before a
    // cheaper repeat (1); the spare (2, at 12) asks less than the chosen's highest.
    expect(q.chosen.map((c) => c.address)).toEqual([address(4), address(3), address(1)]);
    expect(q.chosen[0]?.reputation).toBeCloseTo(99, 10);
    expect(q.pricePerBytePerSecond).toBe(30n);
  });

  it("prices the request to cover the cheapest spare (the repair reserve), with the escrow to match", () => {
    expect(DEFAULT_REPAIR_RESERVE).toBe(1);
    const q = quote([
      provider(1, { pricePerBytePerSecond: "10", maxCollateralPerByte: "5" }),
      provider(2, { pricePerBytePerSecond: "20", maxCollateralPerByte: "4" }),
      provider(3, { pricePerBytePerSecond: "30", maxCollateralPerByte: "2" }), // the spare
      provider(4, { pricePerBytePerSecond: "40", maxCollateralPerByte: "1" }),
    ]);
    expect(q.chosen.map((c) => c.address)).toEqual([address(1), address(2)]);
    // Not 20, the highest chosen: the spare at 30 must be able to take a freed slot.
    expect(q.pricePerBytePerSecond).toBe(30n);
    // The most collateral the chosen and the spare all accept.
    expect(q.collateralPerByte).toBe(2n);
    // The contract's rule (IStorageMarket.Request): n × slotSize × price × duration.
    expect(q.escrow).toBe(2n * BigInt(BLOCK_SIZE) * 30n * 1000n);
    expect(q.missing).toBe(0);
    expect(q.excluded).toEqual([]);
  });

  it("leaves out providers asking more than the client's highest price, spares included", () => {
    const providers = [
      provider(1, { pricePerBytePerSecond: "10" }),
      provider(2, { pricePerBytePerSecond: "20", region: label("us") }),
      provider(3, { pricePerBytePerSecond: "15", region: label("ap") }),
    ];
    const capped = quote(providers, { maxPrice: 15n });
    expect(capped.chosen.map((c) => c.address).sort()).toEqual([address(1), address(3)]);
    // No spare is left at or under 15, so the price stays the highest chosen.
    expect(capped.pricePerBytePerSecond).toBe(15n);
    expect(capped.excluded).toEqual([{ address: address(2), reason: "asks 20 wei/B/s, over the maximum" }]);
    // Without the cap, provider 2 is the spare and the price covers it.
    expect(quote(providers).pricePerBytePerSecond).toBe(20n);
    // A cap under everyone leaves nobody.
    const none = quote(providers, { maxPrice: 9n });
    expect([none.chosen.length, none.missing, none.excluded.length]).toEqual([0, 2, 3]);
    expect([none.pricePerBytePerSecond, none.escrow]).toEqual([0n, 0n]);
  });

  it("sets aside the providers it cannot use, each with the reason", () => {
    const q = quote([
      provider(1),
      provider(2),
      provider(3, { maxDuration: "100" }),
      provider(4, { multiaddrs: ["/ip4/1.1.1.1/tcp/4001"] }),
      provider(5, { activeFrom: "99" }),
      provider(6, { capacity: "1000" }),
    ]);
    expect(q.chosen.map((c) => c.apiUrl).sort()).toEqual(["http://10.0.0.1:8080", "http://10.0.0.2:8080"]);
    expect(q.excluded).toEqual([
      { address: address(3), reason: "takes durations of 60 s to 100 s" },
      { address: address(4), reason: "publishes no REST API URL to upload its slot to" },
      { address: address(5), reason: "not active until 1970-01-01T00:01:39.000Z" },
      { address: address(6), reason: "capacity 1000 B is under the slot size" },
    ]);
  });

  it("gives the core's expected durability: no more than n − k slots lost over the duration", () => {
    const year = 365 * 86_400;
    const forAYear = { maxDuration: String(year) };
    const q = quote(
      [1, 2, 3, 4].map((id) => provider(id, forAYear)),
      {
        k: 2,
        n: 3,
        duration: BigInt(year),
      },
    );
    const expected = expectedDurability([50, 50, 50], 1, year);
    expect(q.durability.survival).toBeCloseTo(expected.survival, 12);
    expect(q.durability.nines).toBeCloseTo(expected.nines, 12);
    // A neutral provider loses its slot at 5 % a year: survival is P(at most 1 of 3 lost).
    const p = 1 - Math.exp(-0.05);
    expect(q.durability.survival).toBeCloseTo((1 - p) ** 3 + 3 * p * (1 - p) ** 2, 12);
  });

  it("reports how many providers are missing, showing those that qualify", () => {
    const q = quote([provider(1, { activeFrom: "99" }), provider(2, { pricePerBytePerSecond: "7" })], {
      k: 1,
      n: 3,
    });
    expect(q.chosen.map((c) => c.address)).toEqual([address(2)]);
    expect(q.missing).toBe(2);
    expect(q.pricePerBytePerSecond).toBe(7n);
    expect(q.durability).toEqual({ survival: 0, nines: 0 });
    expect(quote([]).missing).toBe(2);
  });

  it("refuses terms no request can have, naming the field", () => {
    const providers = [provider(1), provider(2)];
    for (const [overrides, field] of [
      [{ k: 0 }, "k"],
      [{ k: 3, n: 2 }, "n"],
      [{ n: 256 }, "n"],
      [{ duration: 0n }, "duration"],
    ] as const) {
      const run = () => quote(providers, overrides);
      expect(run).toThrow(InvalidParameterError);
      expect(run).toThrow(new RegExp(`^${field}:`));
    }
  });
});
