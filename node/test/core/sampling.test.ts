import { encodeAbiParameters, type Hex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { cellIndex, cellIndices, isProofRequired } from "../../src/core/sampling.ts";

const seed: Hex = "0x6b1f3c2ad7d1fe3d5c7b9f6a0e2b8f4c1d3e5a7b9c0d2e4f6a8b0c2d4e6f8a0b";
const slotId: Hex = "0x1111111111111111111111111111111111111111111111111111111111110003";

describe("sampling", () => {
  it("derives sample i as keccak256(abi.encode(seed, slotId, i)) % numCells", () => {
    const expected = (i: number) =>
      Number(
        BigInt(
          keccak256(
            encodeAbiParameters(
              [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }],
              [seed, slotId, BigInt(i)],
            ),
          ),
        ) % 1000n,
      );
    expect(cellIndices(seed, slotId, 8, 1000)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map(expected));
  });

  it("keeps every index below the cell count", () => {
    for (const numCells of [1, 2, 3, 3072, 2 ** 22]) {
      for (const index of cellIndices(seed, slotId, 16, numCells)) {
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(numCells);
      }
    }
    expect(cellIndex(seed, slotId, 0, 1)).toBe(0);
  });

  it("requires a proof when keccak256(abi.encode(seed, slotId)) % probability is zero", () => {
    const hash = BigInt(
      keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [seed, slotId])),
    );
    for (const probability of [1n, 2n, 3n, 5n, 7n]) {
      expect(isProofRequired(seed, slotId, probability)).toBe(hash % probability === 0n);
    }
    expect(isProofRequired(seed, slotId, 1)).toBe(true);
    expect(() => isProofRequired(seed, slotId, 0)).toThrow(RangeError);
  });
});
