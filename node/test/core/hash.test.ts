import { createHash } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { type CellHasher, createCellHasher, nobleCellHasher } from "../../src/core/hash/index.ts";
import { pseudoRandom } from "./helpers.ts";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest();

describe("the WASM cell hasher", () => {
  let hasher: CellHasher;

  it("hashes cells of every size like SHA-256, including cell counts that are not a multiple of 4", async () => {
    hasher = await createCellHasher();
    // Sizes around the 55/56/64-byte padding edges, powers of two, and one full block.
    for (const size of [1, 31, 32, 55, 56, 63, 64, 65, 100, 119, 120, 128, 256, 1024, 262_144]) {
      for (const count of [1, 2, 3, 4, 5, 7]) {
        const data = pseudoRandom(`cells-${size}`, size * count);
        const out = hasher.sha256Cells(data, size);
        expect(out.length).toBe(32 * count);
        for (let i = 0; i < count; i++)
          expect(Buffer.from(out.subarray(i * 32, (i + 1) * 32)), `size ${size} cell ${i}`).toEqual(
            sha(data.subarray(i * size, (i + 1) * size)),
          );
      }
    }
  });

  it("hashes pairs like keccak-256, over inputs larger than its WASM window", async () => {
    hasher ??= await createCellHasher();
    const level = pseudoRandom("pairs", 64 * 40_000); // 2.4 MiB: three windows
    const out = hasher.keccakPairs(level);
    for (const i of [0, 1, 16_383, 16_384, 39_999])
      expect(out.subarray(i * 32, (i + 1) * 32)).toEqual(keccak_256(level.subarray(i * 64, (i + 1) * 64)));
    expect(hasher.keccakPairs(new Uint8Array(0))).toEqual(new Uint8Array(0));
    // Pairs go two at a time through the SIMD lanes: odd counts too.
    for (const count of [1, 3, 5]) {
      const odd = level.subarray(0, 64 * count);
      expect(hasher.keccakPairs(odd)).toEqual(nobleCellHasher.keccakPairs(odd));
    }
  });

  it("matches the pure-JS hasher over a large batch", async () => {
    hasher ??= await createCellHasher();
    const data = pseudoRandom("batch", 3 * 1024 * 1024 + 256);
    // Buffer.equals, not toEqual: a deep compare of 384 KiB element by element takes seconds.
    const got = Buffer.from(hasher.sha256Cells(data, 256));
    expect(got.equals(nobleCellHasher.sha256Cells(data, 256))).toBe(true);
  });

  it("builds block sub-tree roots in one call, as the primitives do", async () => {
    hasher ??= await createCellHasher();
    const blocks = pseudoRandom("subtrees", 6 * 262_144);
    expect(hasher.subtreeRoots(blocks, 262_144, 256)).toEqual(
      nobleCellHasher.subtreeRoots(blocks, 262_144, 256),
    );
    const small = pseudoRandom("subtrees-small", 3 * 256);
    expect(hasher.subtreeRoots(small, 256, 32)).toEqual(nobleCellHasher.subtreeRoots(small, 256, 32));
    expect(hasher.subtreeRoots(small, 256, 256)).toEqual(hasher.sha256Cells(small, 256));
    expect(() => hasher.subtreeRoots(small, 768, 256)).toThrow(
      expect.objectContaining({ field: "cellSize" }),
    );
    expect(() => hasher.subtreeRoots(small.subarray(1), 256, 32)).toThrow(
      expect.objectContaining({ field: "data" }),
    );
  });

  it("rejects partial cells and pairs with a named error", async () => {
    hasher ??= await createCellHasher();
    for (const h of [hasher, nobleCellHasher]) {
      expect(() => h.sha256Cells(new Uint8Array(300), 256)).toThrow(
        expect.objectContaining({ name: "InvalidParameterError", field: "data" }),
      );
      expect(() => h.sha256Cells(new Uint8Array(256), 0)).toThrow(
        expect.objectContaining({ field: "cellSize" }),
      );
      expect(() => h.keccakPairs(new Uint8Array(63))).toThrow(expect.objectContaining({ field: "level" }));
    }
  });
});
