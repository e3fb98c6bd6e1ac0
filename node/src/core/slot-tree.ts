/**
 * A slot's cell tree (data.md, "Cells, slot trees and proofs"): the Merkle tree whose root
 * the client puts on-chain and whose sampled paths the provider proves with.
 *
 * - The slot's bytes are cut into cells of `cellSize` bytes (256 B by default).
 * - A leaf is SHA-256 of its cell; an inner node is keccak-256 of left ‖ right.
 * - The leaves are padded to the next power of two with 32 zero bytes.
 *
 * This module is isomorphic (no node:* imports) so the browser builds the same roots.
 * It is the first, correctness-first version: it keeps every level in memory and hashes
 * with @noble/hashes. StorageMarket's CellProofs library verifies what it produces, and
 * scripts/vectors/ pins both to the same vectors.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, type Hex } from "viem";
import { cellIndices } from "./sampling.ts";

/** Bytes per cell unless the market is configured otherwise (StorageMarket's `cellSize`). */
export const DEFAULT_CELL_SIZE = 256;
/** Bytes per block; a slot is a whole number of blocks. */
export const BLOCK_SIZE = 262_144;
/** The padding leaf that fills the tree up to a power of two. */
export const EMPTY_LEAF: Uint8Array = new Uint8Array(32);

/** A leaf: SHA-256 of the cell's bytes. */
export function cellLeaf(cell: Uint8Array): Uint8Array {
  return sha256(cell);
}

/** An inner node: keccak-256 of the two children, left first. */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  const both = new Uint8Array(64);
  both.set(left, 0);
  both.set(right, 32);
  return keccak_256(both);
}

/** The depth of a tree over `numCells` cells: ceil(log2(numCells)); 0 for one cell. */
export function treeDepth(numCells: number): number {
  if (!Number.isSafeInteger(numCells) || numCells < 1) throw new RangeError(`bad cell count ${numCells}`);
  let depth = 0;
  while (2 ** depth < numCells) depth++;
  return depth;
}

/**
 * What a prover needs from a slot tree. `buildSlotTree` implements it over real bytes;
 * anything else that can answer these (for example a tree of a repeated cell, whose
 * levels are each one hash) can be proven from too.
 */
export interface ProvableSlotTree {
  readonly numCells: number;
  readonly cellSize: number;
  readonly depth: number;
  readonly root: Uint8Array;
  /** The bytes of cell `index`. */
  cell(index: number): Uint8Array;
  /** The sibling hashes from leaf `index` up to the root, leaf level first. */
  siblings(index: number): Uint8Array[];
}

/** A slot tree over bytes held in memory, every level kept. */
export class SlotTree implements ProvableSlotTree {
  readonly numCells: number;
  readonly cellSize: number;
  readonly depth: number;
  readonly root: Uint8Array;
  readonly #data: Uint8Array;
  /** levels[0] are the padded leaves, the last level is [root]. */
  readonly #levels: Uint8Array[][];

  constructor(data: Uint8Array, cellSize: number = DEFAULT_CELL_SIZE) {
    if (!Number.isSafeInteger(cellSize) || cellSize < 1) throw new RangeError(`bad cell size ${cellSize}`);
    if (data.length === 0 || data.length % cellSize !== 0) {
      throw new RangeError(`slot of ${data.length} B is not a whole number of ${cellSize} B cells`);
    }
    this.#data = data;
    this.cellSize = cellSize;
    this.numCells = data.length / cellSize;
    this.depth = treeDepth(this.numCells);

    let level: Uint8Array[] = [];
    for (let i = 0; i < 2 ** this.depth; i++) {
      level.push(i < this.numCells ? cellLeaf(this.cell(i)) : EMPTY_LEAF);
    }
    this.#levels = [level];
    while (level.length > 1) {
      const parents: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2)
        parents.push(hashPair(nodeAt(level, i), nodeAt(level, i + 1)));
      this.#levels.push(parents);
      level = parents;
    }
    this.root = nodeAt(level, 0);
  }

  cell(index: number): Uint8Array {
    this.#checkIndex(index);
    return this.#data.subarray(index * this.cellSize, (index + 1) * this.cellSize);
  }

  siblings(index: number): Uint8Array[] {
    this.#checkIndex(index);
    const path: Uint8Array[] = [];
    for (let height = 0; height < this.depth; height++) {
      const level = this.#levels[height] ?? [];
      path.push(nodeAt(level, (index >> height) ^ 1));
    }
    return path;
  }

  #checkIndex(index: number) {
    if (!Number.isInteger(index) || index < 0 || index >= this.numCells) {
      throw new RangeError(`cell ${index} is outside a slot of ${this.numCells} cells`);
    }
  }
}

/** Builds the cell tree of a slot's bytes. */
export function buildSlotTree(data: Uint8Array, cellSize: number = DEFAULT_CELL_SIZE): SlotTree {
  return new SlotTree(data, cellSize);
}

/** The root that goes on-chain for a slot's bytes. */
export function slotRoot(data: Uint8Array, cellSize: number = DEFAULT_CELL_SIZE): Hex {
  return bytesToHex(buildSlotTree(data, cellSize).root);
}

/**
 * One slot's proof in StorageMarket's calldata layout (`IStorageMarket.Proof` without the
 * period): `cells` is the S sampled cells concatenated; `siblings` the S paths, sample-major,
 * each from the leaf level up.
 */
export interface SlotProofCalldata {
  cells: Hex;
  siblings: Hex[];
}

/** The proof of the cells at `indices`, in calldata layout. */
export function proveCells(tree: ProvableSlotTree, indices: readonly number[]): SlotProofCalldata {
  const cells = new Uint8Array(indices.length * tree.cellSize);
  const siblings: Hex[] = [];
  indices.forEach((index, sample) => {
    cells.set(tree.cell(index), sample * tree.cellSize);
    for (const sibling of tree.siblings(index)) siblings.push(bytesToHex(sibling));
  });
  return { cells: bytesToHex(cells), siblings };
}

/**
 * The proof that `seed` asks of `slotId`: its `samples` cells (StorageMarket's
 * `proofSamples`) at the indices `sampling.ts` derives, in calldata layout.
 */
export function proveSlot(
  tree: ProvableSlotTree,
  seed: Hex,
  slotId: Hex,
  samples: number,
): SlotProofCalldata {
  return proveCells(tree, cellIndices(seed, slotId, samples, tree.numCells));
}

/** Whether `proof` shows the cells at `indices` of the tree with `root`: the contract's check. */
export function verifyCells(
  root: Uint8Array,
  proof: SlotProofCalldata,
  indices: readonly number[],
  numCells: number,
  cellSize: number = DEFAULT_CELL_SIZE,
): boolean {
  const depth = treeDepth(numCells);
  const cells = hexBytes(proof.cells);
  if (cells.length !== indices.length * cellSize || proof.siblings.length !== indices.length * depth)
    return false;
  return indices.every((index, sample) => {
    let node = cellLeaf(cells.subarray(sample * cellSize, (sample + 1) * cellSize));
    for (let height = 0; height < depth; height++) {
      const sibling = hexBytes(proof.siblings[sample * depth + height] ?? "0x");
      node = ((index >> height) & 1) === 0 ? hashPair(node, sibling) : hashPair(sibling, node);
    }
    return equalBytes(node, root);
  });
}

function nodeAt(level: readonly Uint8Array[], index: number): Uint8Array {
  const node = level[index];
  if (node === undefined) throw new RangeError(`no node ${index} in a level of ${level.length}`);
  return node;
}

function hexBytes(hex: Hex): Uint8Array {
  const digits = hex.slice(2);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
