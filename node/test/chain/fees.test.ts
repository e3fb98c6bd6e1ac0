import { describe, expect, it } from "vitest";
import { bumpFees, initialFees } from "../../src/chain/index.ts";
import { raise } from "../../src/chain/fees.ts";

describe("EIP-1559 fees and replacements", () => {
  it("starts at twice the base fee plus the tip, within the cap", () => {
    expect(initialFees(10n, 3n, undefined)).toEqual({ maxFeePerGas: 23n, maxPriorityFeePerGas: 3n });
    expect(initialFees(10n, 3n, 15n)).toEqual({ maxFeePerGas: 15n, maxPriorityFeePerGas: 3n });
  });

  it("raises by the percentage, rounding up, and always by at least 1 wei", () => {
    expect(raise(100n, 10)).toBe(110n);
    expect(raise(101n, 10)).toBe(112n); // 111.1 rounds up: geth compares without rounding down
    expect(raise(1n, 10)).toBe(2n);
    expect(raise(0n, 10)).toBe(1n);
  });

  it("bumps tip and max fee by at least 10%, and follows a rising base fee", () => {
    const first = { maxFeePerGas: 1_000n, maxPriorityFeePerGas: 100n };
    const next = bumpFees(first, 10, 100n, undefined);
    expect(next).toEqual({ maxFeePerGas: 1_100n, maxPriorityFeePerGas: 110n });
    const risen = bumpFees(first, 10, 2_000n, undefined);
    expect(risen).toEqual({ maxFeePerGas: 4_110n, maxPriorityFeePerGas: 110n });
  });

  it("stops at the cap instead of sending a replacement the node would refuse", () => {
    const first = { maxFeePerGas: 1_000n, maxPriorityFeePerGas: 100n };
    expect(bumpFees(first, 10, 100n, 1_200n)).toEqual({ maxFeePerGas: 1_100n, maxPriorityFeePerGas: 110n });
    expect(bumpFees(first, 10, 600n, 1_200n)).toEqual({ maxFeePerGas: 1_200n, maxPriorityFeePerGas: 110n });
    expect(bumpFees(first, 10, 100n, 1_050n)).toBeUndefined();
  });
});
