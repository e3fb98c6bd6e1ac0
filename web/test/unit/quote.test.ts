import { BLOCK_SIZE } from "@cairn/node/core";
import { describe, expect, it } from "vitest";
import { encodeDataset } from "../../src/workers/encode-dataset.ts";
import {
  chooseProviders,
  durability,
  quoteStorage,
  slotSizeFor,
  type Candidate,
} from "../../src/lib/quote.ts";
import type { ProviderRow } from "../../src/queries/market.ts";

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

describe("durability", () => {
  it("is the binomial tail for equal providers", () => {
    // 2 of 3 at p = 0.9: p³ + 3p²(1-p) = 0.972.
    expect(durability([0.9, 0.9, 0.9], 2)).toBeCloseTo(0.972, 10);
    expect(durability([0.5], 1)).toBe(0.5);
    expect(durability([0.9, 0.9], 0)).toBeCloseTo(1, 12);
  });
});

describe("chooseProviders", () => {
  const candidate = (n: number, price: bigint, region: string, infrastructure = "home"): Candidate => ({
    address: `0x${n.toString(16).padStart(40, "0")}`,
    apiUrl: `http://10.0.0.${n}:8080`,
    price,
    maxCollateralPerByte: 1n,
    reputation: 0.5,
    region,
    infrastructure,
  });

  it("prefers cheaper providers, but a new region over a cheaper repeat", () => {
    const chosen = chooseProviders(
      [candidate(1, 1n, "eu"), candidate(2, 2n, "eu"), candidate(3, 3n, "us", "cloud")],
      2,
    );
    expect(chosen.map((c) => c.price)).toEqual([1n, 3n]);
  });
});

describe("quoteStorage", () => {
  it("takes the highest chosen price, the lowest collateral cap, and the contract's escrow rule", () => {
    const quote = quoteStorage({
      providers: [
        provider(1, { pricePerBytePerSecond: "10", maxCollateralPerByte: "5" }),
        provider(2, { pricePerBytePerSecond: "20", maxCollateralPerByte: "3", region: label("us") }),
        provider(3, { maxDuration: "100" }), // cannot hold the deal this long
        provider(4, { multiaddrs: ["/ip4/1.1.1.1/tcp/4001"] }), // no API to upload to
      ],
      fileSize: 100,
      k: 1,
      n: 2,
      duration: 1000n,
      encrypted: false,
      nowSeconds: 10,
    });
    expect(quote.chosen.map((c) => c.apiUrl)).toEqual(["http://10.0.0.1:8080", "http://10.0.0.2:8080"]);
    expect(quote.pricePerBytePerSecond).toBe(20n);
    expect(quote.collateralPerByte).toBe(3n);
    expect(quote.escrow).toBe(2n * BigInt(BLOCK_SIZE) * 20n * 1000n);
    expect(quote.missing).toBe(0);
    expect(quote.durability).toBeCloseTo(0.75, 10); // 1 of 2 at 0.5 each
  });

  it("leaves out providers asking more than the client's highest price", () => {
    const quote = quoteStorage({
      providers: [
        provider(1, { pricePerBytePerSecond: "10" }),
        provider(2, { pricePerBytePerSecond: "20", region: label("us") }),
        provider(3, { pricePerBytePerSecond: "15", region: label("ap") }),
      ],
      fileSize: 100,
      k: 1,
      n: 2,
      duration: 1000n,
      encrypted: false,
      nowSeconds: 10,
      maxPrice: 15n,
    });
    expect(quote.chosen.map((c) => c.price)).toEqual([10n, 15n]);
    expect(quote.pricePerBytePerSecond).toBe(15n);
  });

  it("reports how many providers are missing", () => {
    const quote = quoteStorage({
      providers: [provider(1, { activeFrom: "99" })],
      fileSize: 1,
      k: 1,
      n: 2,
      duration: 100n,
      encrypted: false,
      nowSeconds: 10,
    });
    expect(quote.missing).toBe(2);
    expect(quote.durability).toBe(0);
  });
});
