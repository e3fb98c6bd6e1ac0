import { createHash } from "node:crypto";
import { bytesToHex, concat, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import {
  buildSlotTree,
  cellLeaf,
  DEFAULT_CELL_SIZE,
  EMPTY_LEAF,
  hashPair,
  proveCells,
  slotRoot,
  treeDepth,
  verifyCells,
} from "../../src/core/slot-tree.ts";

/** Independent references: Node's crypto for SHA-256 and viem's keccak for inner nodes. */
const leaf = (cell: Uint8Array) => bytesToHex(createHash("sha256").update(cell).digest());
const pair = (left: `0x${string}`, right: `0x${string}`) => keccak256(concat([left, right]));
const zero = bytesToHex(EMPTY_LEAF);

/** `count` cells of `size` bytes, cell i filled with byte i + 1. */
function cells(count: number, size = 4): Uint8Array {
  const data = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) data.fill(i + 1, i * size, (i + 1) * size);
  return data;
}
const cellAt = (data: Uint8Array, i: number, size = 4) => data.subarray(i * size, (i + 1) * size);

describe("treeDepth", () => {
  it("is ceil(log2(cells))", () => {
    expect([1, 2, 3, 4, 5, 1024, 1025, 2 ** 22].map(treeDepth)).toEqual([0, 1, 2, 2, 3, 10, 11, 22]);
  });

  it("rejects an empty tree", () => {
    expect(() => treeDepth(0)).toThrow(RangeError);
  });
});

describe("hashing", () => {
  it("hashes leaves with SHA-256 and inner nodes with keccak-256 of left ‖ right", () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(bytesToHex(cellLeaf(a))).toBe(leaf(a));
    const left = cellLeaf(a);
    const right = cellLeaf(new Uint8Array([4]));
    expect(bytesToHex(hashPair(left, right))).toBe(pair(bytesToHex(left), bytesToHex(right)));
  });
});

describe("SlotTree", () => {
  it("uses the leaf itself as the root of a one-cell slot", () => {
    const data = cells(1);
    expect(slotRoot(data, 4)).toBe(leaf(data));
    expect(buildSlotTree(data, 4).siblings(0)).toEqual([]);
  });

  it("pads a three-cell slot with a zero leaf", () => {
    const data = cells(3);
    const [l0, l1, l2] = [0, 1, 2].map((i) => leaf(cellAt(data, i)));
    if (!l0 || !l1 || !l2) throw new Error("three leaves expected");
    expect(slotRoot(data, 4)).toBe(pair(pair(l0, l1), pair(l2, zero)));
  });

  it("gives every cell a path that climbs to the root", () => {
    const data = cells(5);
    const tree = buildSlotTree(data, 4);
    expect(tree.depth).toBe(3);
    for (let i = 0; i < 5; i++) {
      const proof = proveCells(tree, [i]);
      expect(verifyCells(tree.root, proof, [i], 5, 4)).toBe(true);
      expect(verifyCells(tree.root, proof, [(i + 1) % 5], 5, 4)).toBe(false);
    }
  });

  it("lays proofs out as the contract reads them: cells concatenated, paths sample-major", () => {
    const data = cells(4);
    const tree = buildSlotTree(data, 4);
    const proof = proveCells(tree, [2, 0]);
    expect(proof.cells).toBe(bytesToHex(concat([cellAt(data, 2), cellAt(data, 0)])));
    const [l0, l1, l2, l3] = [0, 1, 2, 3].map((i) => leaf(cellAt(data, i)));
    if (!l0 || !l1 || !l2 || !l3) throw new Error("four leaves expected");
    expect(proof.siblings).toEqual([l3, pair(l0, l1), l1, pair(l2, l3)]);
  });

  it("rejects a tampered cell or sibling", () => {
    const tree = buildSlotTree(cells(8), 4);
    const proof = proveCells(tree, [3, 6]);
    const badCell = { ...proof, cells: `0x${proof.cells.slice(2, -2)}ff` as const };
    expect(verifyCells(tree.root, badCell, [3, 6], 8, 4)).toBe(false);
    const badSibling = { ...proof, siblings: proof.siblings.map((s, i) => (i === 4 ? zero : s)) };
    expect(verifyCells(tree.root, badSibling, [3, 6], 8, 4)).toBe(false);
  });

  it("defaults to 256-byte cells and refuses partial cells or unknown indices", () => {
    expect(DEFAULT_CELL_SIZE).toBe(256);
    expect(buildSlotTree(new Uint8Array(512)).numCells).toBe(2);
    expect(() => buildSlotTree(new Uint8Array(300))).toThrow(RangeError);
    expect(() => buildSlotTree(new Uint8Array(0))).toThrow(RangeError);
    expect(() => buildSlotTree(cells(3), 4).cell(3)).toThrow(RangeError);
  });
});
