import { readFileSync } from "node:fs";
import { bytesToHex, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { createCellHasher } from "../../src/core/hash/index.ts";
import {
  BLOCK_SIZE,
  blockRoot,
  buildSlotTree,
  emptySubtreeRoot,
  hashPair,
  proveCells,
  proveFromLayers,
  proveSlot,
  proveSlotFromLayers,
  SlotLayers,
  verifyCells,
} from "../../src/core/slot-tree.ts";
import { vectorData } from "../../../scripts/vectors/slot-data.ts";
import { pseudoRandom } from "./helpers.ts";

interface VectorFile {
  slots: {
    label: string;
    size: number;
    cellSize: number;
    root: Hex;
    proofs: { seed: Hex; slotId: Hex; cells: Hex; siblings: Hex[] }[];
  }[];
}
const vectors: VectorFile = JSON.parse(
  readFileSync(new URL("../../../test/contracts/vectors/slot-proofs.json", import.meta.url), "utf8"),
);

/** Builds the layers of `data` block by block, as the upload pipeline does. */
function layersOf(
  data: Uint8Array,
  blockSize: number,
  cellSize: number,
  hasher: Awaited<ReturnType<typeof createCellHasher>>,
) {
  const blocks = data.length / blockSize;
  const roots = new Uint8Array(blocks * 32);
  for (let b = 0; b < blocks; b++)
    roots.set(blockRoot(data.subarray(b * blockSize, (b + 1) * blockSize), cellSize, hasher), b * 32);
  return SlotLayers.fromBlockRoots(roots, { blockSize, cellSize, hasher });
}

describe("slot trees with the WASM hasher", () => {
  it("reproduce every shared vector's root and proofs", async () => {
    const hasher = await createCellHasher();
    for (const slot of vectors.slots) {
      const tree = buildSlotTree(vectorData(slot.label, slot.size), slot.cellSize, hasher);
      expect(bytesToHex(tree.root), slot.label).toBe(slot.root);
      for (const proof of slot.proofs) {
        const made = proveSlot(tree, proof.seed, proof.slotId, 8);
        expect(made).toEqual({ cells: proof.cells, siblings: proof.siblings });
      }
    }
  });

  it("reproduce the vectors from block-level layers, proving from sampled blocks only", async () => {
    const hasher = await createCellHasher();
    for (const slot of vectors.slots.filter((s) => s.size % BLOCK_SIZE === 0)) {
      const data = vectorData(slot.label, slot.size);
      const layers = layersOf(data, BLOCK_SIZE, slot.cellSize, hasher);
      expect(bytesToHex(layers.root), slot.label).toBe(slot.root);
      const read: number[] = [];
      for (const proof of slot.proofs) {
        const made = await proveSlotFromLayers(
          layers,
          proof.seed,
          proof.slotId,
          8,
          (b) => {
            read.push(b);
            return data.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE);
          },
          hasher,
        );
        expect(made).toEqual({ cells: proof.cells, siblings: proof.siblings });
      }
      expect(new Set(read).size).toBeLessThanOrEqual(layers.numBlocks);
    }
  });
});

describe("SlotLayers", () => {
  it("gives the full tree's root for every block count, padding with empty sub-trees", async () => {
    const hasher = await createCellHasher();
    const [blockSize, cellSize] = [256, 32]; // 8 cells a block keeps the sweep fast
    for (let blocks = 1; blocks <= 9; blocks++) {
      const data = pseudoRandom(`layers-${blocks}`, blocks * blockSize);
      const layers = layersOf(data, blockSize, cellSize, hasher);
      const tree = buildSlotTree(data, cellSize, hasher);
      expect(layers.root, `${blocks} blocks`).toEqual(tree.root);
      expect(layers.depth).toBe(tree.depth);
      expect(layers.numCells).toBe(tree.numCells);
      const indices = [0, tree.numCells - 1, Math.floor(tree.numCells / 2)];
      const proof = await proveSlotFromLayers(layers, "0x01", "0x02", 0, () => data);
      expect(proof.siblings).toEqual([]);
      const fromLayers = await proveFromLayers(
        layers,
        indices,
        (b) => data.subarray(b * blockSize, (b + 1) * blockSize),
        hasher,
      );
      expect(fromLayers).toEqual(proveCells(tree, indices));
      expect(verifyCells(layers.root, fromLayers, indices, layers.numCells, cellSize)).toBe(true);
    }
  });

  it("computes empty sub-tree roots as keccak of two lower ones", () => {
    const z1 = emptySubtreeRoot(1);
    expect(z1).toEqual(hashPair(new Uint8Array(32), new Uint8Array(32)));
    expect(emptySubtreeRoot(2)).toEqual(hashPair(z1, z1));
  });

  it("keeps only block roots, and restores the same layers from them", async () => {
    const hasher = await createCellHasher();
    const data = pseudoRandom("restore", 5 * 256);
    const layers = layersOf(data, 256, 32, hasher);
    expect(layers.blockRoots().length).toBe(5 * 32);
    const again = SlotLayers.fromBlockRoots(layers.blockRoots(), { blockSize: 256, cellSize: 32, hasher });
    expect(again.root).toEqual(layers.root);
  });

  it("refuses a corrupted block, bad sizes and unknown cells by name", async () => {
    const hasher = await createCellHasher();
    const data = pseudoRandom("corrupt", 4 * 256);
    const layers = layersOf(data, 256, 32, hasher);
    const bad = data.slice(256, 512);
    bad[3] = (bad[3] ?? 0) ^ 1;
    await expect(proveFromLayers(layers, [9], () => bad, hasher)).rejects.toMatchObject({
      name: "BlockError",
    });
    await expect(proveFromLayers(layers, [9], () => new Uint8Array(10), hasher)).rejects.toMatchObject({
      name: "BlockError",
    });
    await expect(proveFromLayers(layers, [32], () => data, hasher)).rejects.toThrow(RangeError);
    expect(() => SlotLayers.fromBlockRoots(new Uint8Array(33))).toThrow(
      expect.objectContaining({ field: "blockRoots" }),
    );
    expect(() => SlotLayers.fromBlockRoots(new Uint8Array(32), { blockSize: 768, cellSize: 256 })).toThrow(
      expect.objectContaining({ field: "cellSize" }),
    );
    expect(() => blockRoot(new Uint8Array(300), 256, hasher)).toThrow(
      expect.objectContaining({ field: "blockSize" }),
    );
  });
});
