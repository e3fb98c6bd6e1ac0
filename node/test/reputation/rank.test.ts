import { afterEach, describe, expect, it } from "vitest";
import { creditAllowed, creditLimit, NEUTRAL_SCORE, rank } from "../../src/reputation/index.ts";
import { type Harness, harness, newPeerId } from "./helpers.ts";

let h: Harness;
afterEach(async () => {
  h.close();
  await h.cleanup();
});

describe("rank", () => {
  it("orders providers best first, keeps the caller's order on ties, and filters", async () => {
    h = await harness();
    const [good, stranger1, stranger2, bad] = await Promise.all([
      newPeerId(),
      newPeerId(),
      newPeerId(),
      newPeerId(),
    ]);
    for (let i = 0; i < 10; i++) h.reputation.record(good, "serving", { kind: "success", latencyMs: 5 });
    h.reputation.record(bad, "serving", { kind: "invalid-block" });
    // Reputation in another context must not leak into "serving".
    h.reputation.record(stranger2, "paying", { kind: "voucher-invalid" });

    const ranked = rank(h.reputation, [bad, stranger2, good, stranger1, good], "serving");
    expect(ranked.map((r) => r.peerId)).toEqual([good, stranger2, stranger1, bad]);
    expect(ranked[1]?.score).toBe(NEUTRAL_SCORE);
    expect(
      rank(h.reputation, [bad, good, stranger1], "serving", { minScore: 40 }).map((r) => r.peerId),
    ).toEqual([good, stranger1]);
    expect(rank(h.reputation, [bad, good, stranger1], "serving", { limit: 1 }).map((r) => r.peerId)).toEqual([
      good,
    ]);
    expect(() => rank(h.reputation, [good], "serving", { minScore: 101 })).toThrowError(
      expect.objectContaining({ name: "InvalidReputationInputError" }),
    );
    expect(() => rank(h.reputation, [good], "serving", { limit: -1 })).toThrowError(
      expect.objectContaining({ name: "InvalidReputationInputError" }),
    );
  });
});

describe("credit", () => {
  it("serves strangers and honest payers on credit, and not a peer that forged a voucher", async () => {
    h = await harness();
    const [stranger, honest, forger, late] = await Promise.all([
      newPeerId(),
      newPeerId(),
      newPeerId(),
      newPeerId(),
    ]);
    for (let i = 0; i < 20; i++) h.reputation.record(honest, "paying", { kind: "voucher-valid" });
    h.reputation.record(forger, "paying", { kind: "voucher-invalid" });
    h.reputation.record(late, "paying", { kind: "payment-late" });
    // Serving well is not paying well.
    for (let i = 0; i < 50; i++) h.reputation.record(forger, "serving", { kind: "success" });

    expect(creditAllowed(h.reputation, stranger)).toBe(true);
    expect(creditAllowed(h.reputation, honest)).toBe(true);
    expect(creditAllowed(h.reputation, forger)).toBe(false);
    expect(creditAllowed(h.reputation, late)).toBe(true);
    expect(creditAllowed(h.reputation, late, { minScore: 45 })).toBe(false);

    const max = 1_000_000n;
    expect(creditLimit(h.reputation, forger, max)).toBe(0n);
    expect(creditLimit(h.reputation, stranger, max)).toBe(500_000n);
    const honestLimit = creditLimit(h.reputation, honest, max);
    expect(honestLimit).toBeGreaterThan(500_000n);
    expect(honestLimit).toBeLessThanOrEqual(max);
    expect(() => creditLimit(h.reputation, honest, -1n)).toThrowError(
      expect.objectContaining({ name: "InvalidReputationInputError" }),
    );
  });
});
