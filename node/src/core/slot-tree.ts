/**
 * A slot's cell tree (data.md, "Cells, slot trees and proofs"): the Merkle tree whose root
 * the client puts on-chain and whose sampled paths the provider proves with.
 *
 * - The slot's bytes are cut into cells of `cellSize` bytes (256 B by default).
 * - A leaf is SHA-256 of its cell; an inner node is keccak-256 of left ‖ right.
 * - The leaves are padded to the next power of two with 32 zero bytes.
 *
 * Three ways in:
 * - `SlotTree`: every level over bytes in memory (tests, vectors, small slots);
 * - `blockSubtree` + `SlotLayers`: what a provider keeps, one hash per 256 KiB block and the
 *   levels above, built block by block as the slot streams past;
 * - `proveFromLayers`: a proof from those layers plus the sampled blocks' bytes, whose
 *   sub-trees it rebuilds.
 *
 * Hashing goes through an injected `CellHasher` (hash/index.ts) that does a whole level per
 * call; the synchronous default is the pure-JS one, so pass `await createCellHasher()` on
 * any hot path. StorageMarket's CellProofs library verifies what this produces, and
 * scripts/vectors/ pins both to the same vectors. Isomorphic: no node:* imports.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { BlockError, InvalidParameterError } from "./errors.ts";
import { type CellHasher, nobleCellHasher } from "./hash/index.ts";
import { cellIndices } from "./sampling.ts";
import { equalBytes } from "./util/bytes.ts";

/** Bytes per cell unless the market is configured otherwise (StorageMarket's `cellSize`). */
export const DEFAULT_CELL_SIZE = 256;
/** Bytes per block; a slot is a whole number of blocks. */
export const BLOCK_SIZE = 262_144;
/** The padding leaf that fills the tree up to a power of two. */
export const EMPTY_LEAF: Uint8Array = new Uint8Array(32);

const HASH = 32;

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

/** Node `index` of a flat level (32 bytes per node). */
function node(level: Uint8Array | undefined, index: number): Uint8Array {
  if (level === undefined || (index + 1) * HASH > level.length)
    throw new RangeError(`no node ${index} in a level of ${(level?.length ?? 0) / HASH}`);
  return level.slice(index * HASH, (index + 1) * HASH);
}

/**
 * The levels of the tree over `leaves` (flat, 32 bytes each, a power-of-two count), from the
 * leaves up to the one-node root level.
 */
function levelsAbove(leaves: Uint8Array, hasher: CellHasher): Uint8Array[] {
  const levels = [leaves];
  let level = leaves;
  while (level.length > HASH) {
    level = hasher.keccakPairs(level);
    levels.push(level);
  }
  return levels;
}

/** A slot tree over bytes held in memory, every level kept. */
export class SlotTree implements ProvableSlotTree {
  readonly numCells: number;
  readonly cellSize: number;
  readonly depth: number;
  readonly root: Uint8Array;
  readonly #data: Uint8Array;
  /** levels[0] are the padded leaves, the last level is [root]; flat, 32 bytes per node. */
  readonly #levels: Uint8Array[];

  constructor(data: Uint8Array, cellSize: number = DEFAULT_CELL_SIZE, hasher: CellHasher = nobleCellHasher) {
    if (!Number.isSafeInteger(cellSize) || cellSize < 1) throw new RangeError(`bad cell size ${cellSize}`);
    if (data.length === 0 || data.length % cellSize !== 0) {
      throw new RangeError(`slot of ${data.length} B is not a whole number of ${cellSize} B cells`);
    }
    this.#data = data;
    this.cellSize = cellSize;
    this.numCells = data.length / cellSize;
    this.depth = treeDepth(this.numCells);
    // Zero-filled beyond the real leaves: the padding leaves are bytes32(0).
    const leaves = new Uint8Array(2 ** this.depth * HASH);
    leaves.set(hasher.sha256Cells(data, cellSize));
    this.#levels = levelsAbove(leaves, hasher);
    this.root = node(this.#levels[this.#levels.length - 1], 0);
  }

  cell(index: number): Uint8Array {
    this.#checkIndex(index);
    return this.#data.subarray(index * this.cellSize, (index + 1) * this.cellSize);
  }

  siblings(index: number): Uint8Array[] {
    this.#checkIndex(index);
    const path: Uint8Array[] = [];
    for (let height = 0; height < this.depth; height++)
      path.push(node(this.#levels[height], (index >> height) ^ 1));
    return path;
  }

  #checkIndex(index: number) {
    if (!Number.isInteger(index) || index < 0 || index >= this.numCells) {
      throw new RangeError(`cell ${index} is outside a slot of ${this.numCells} cells`);
    }
  }
}

/** Builds the cell tree of a slot's bytes. */
export function buildSlotTree(
  data: Uint8Array,
  cellSize: number = DEFAULT_CELL_SIZE,
  hasher: CellHasher = nobleCellHasher,
): SlotTree {
  return new SlotTree(data, cellSize, hasher);
}

/** The root that goes on-chain for a slot's bytes. */
export function slotRoot(
  data: Uint8Array,
  cellSize: number = DEFAULT_CELL_SIZE,
  hasher: CellHasher = nobleCellHasher,
): Hex {
  return bytesToHex(buildSlotTree(data, cellSize, hasher).root);
}

/** Checks that blocks split into a power-of-two number of whole cells, and returns it. */
export function cellsPerBlock(blockSize: number, cellSize: number): number {
  if (!Number.isSafeInteger(cellSize) || cellSize < 1)
    throw new InvalidParameterError("cellSize", `must be a positive integer, got ${cellSize}`);
  if (!Number.isSafeInteger(blockSize) || blockSize < cellSize || blockSize % cellSize !== 0)
    throw new InvalidParameterError("blockSize", `${blockSize} is not a whole number of ${cellSize} B cells`);
  const cells = blockSize / cellSize;
  if ((cells & (cells - 1)) !== 0)
    throw new InvalidParameterError("cellSize", `a block must hold a power of two of cells, not ${cells}`);
  return cells;
}

/**
 * The levels of one block's sub-tree, from its leaves up to its root (the last level).
 * The block must be exactly `blockSize` bytes: a slot is a whole number of blocks.
 */
export function blockSubtree(block: Uint8Array, cellSize: number, hasher: CellHasher): Uint8Array[] {
  cellsPerBlock(block.length, cellSize);
  return levelsAbove(hasher.sha256Cells(block, cellSize), hasher);
}

/** The root of one block's sub-tree: what `SlotLayers` keeps per block. */
export function blockRoot(block: Uint8Array, cellSize: number, hasher: CellHasher): Uint8Array {
  cellsPerBlock(block.length, cellSize);
  return hasher.subtreeRoots(block, block.length, cellSize);
}

/** Options shared by the layer-based tree. */
export interface SlotLayersInit {
  /** @default DEFAULT_CELL_SIZE */
  cellSize?: number;
  /** @default BLOCK_SIZE */
  blockSize?: number;
  /** @default nobleCellHasher (pass the WASM one on hot paths) */
  hasher?: CellHasher;
}

/**
 * A slot tree kept from block level up (data.md: one hash per 256 KiB block, plus the
 * levels above). Its root equals `SlotTree`'s over the same bytes: blocks hold a power of
 * two of cells, so each block is a whole sub-tree, and a padding block's sub-tree is all
 * zero leaves.
 */
export class SlotLayers {
  readonly numBlocks: number;
  readonly cellSize: number;
  readonly blockSize: number;
  readonly cellsPerBlock: number;
  /** Height of a block's sub-tree. */
  readonly blockDepth: number;
  readonly numCells: number;
  readonly depth: number;
  readonly root: Uint8Array;
  /** levels[0]: block roots padded to a power of two; the last level: [root]. */
  readonly #levels: Uint8Array[];

  private constructor(levels: Uint8Array[], numBlocks: number, cellSize: number, blockSize: number) {
    this.#levels = levels;
    this.numBlocks = numBlocks;
    this.cellSize = cellSize;
    this.blockSize = blockSize;
    this.cellsPerBlock = blockSize / cellSize;
    this.blockDepth = treeDepth(this.cellsPerBlock);
    this.numCells = numBlocks * this.cellsPerBlock;
    this.depth = treeDepth(this.numCells);
    this.root = node(levels[levels.length - 1], 0);
  }

  /** The layers over `blockRoots` (32 bytes per block, in slot order). */
  static fromBlockRoots(blockRoots: Uint8Array, init: SlotLayersInit = {}): SlotLayers {
    const cellSize = init.cellSize ?? DEFAULT_CELL_SIZE;
    const blockSize = init.blockSize ?? BLOCK_SIZE;
    const hasher = init.hasher ?? nobleCellHasher;
    const perBlock = cellsPerBlock(blockSize, cellSize);
    if (blockRoots.length === 0 || blockRoots.length % HASH !== 0)
      throw new InvalidParameterError(
        "blockRoots",
        `${blockRoots.length} B is not a positive number of hashes`,
      );
    const numBlocks = blockRoots.length / HASH;
    const padded = new Uint8Array(2 ** treeDepth(numBlocks) * HASH);
    padded.set(blockRoots);
    const empty = emptySubtreeRoot(treeDepth(perBlock), hasher);
    for (let i = numBlocks; i < padded.length / HASH; i++) padded.set(empty, i * HASH);
    return new SlotLayers(levelsAbove(padded, hasher), numBlocks, cellSize, blockSize);
  }

  /** The per-block roots (unpadded), which is all a provider needs to store. */
  blockRoots(): Uint8Array {
    return this.#levels[0]?.slice(0, this.numBlocks * HASH) ?? new Uint8Array(0);
  }

  /** The siblings from block `block`'s root up to the slot root. */
  siblingsAbove(block: number): Uint8Array[] {
    if (!Number.isInteger(block) || block < 0 || block >= this.numBlocks)
      throw new RangeError(`block ${block} is outside a slot of ${this.numBlocks} blocks`);
    const path: Uint8Array[] = [];
    for (let height = 0; height < this.#levels.length - 1; height++)
      path.push(node(this.#levels[height], (block >> height) ^ 1));
    return path;
  }

  /** The stored root of block `block`'s sub-tree. */
  blockRootOf(block: number): Uint8Array {
    return node(this.#levels[0], block);
  }
}

const emptyRoots = new Map<number, Uint8Array>();

/** The root of a sub-tree of `height` over zero leaves: Z0 = 0, Z(h+1) = keccak(Zh ‖ Zh). */
export function emptySubtreeRoot(height: number, hasher: CellHasher = nobleCellHasher): Uint8Array {
  const cached = emptyRoots.get(height);
  if (cached) return cached;
  let root: Uint8Array = EMPTY_LEAF;
  for (let h = 0; h < height; h++) {
    const pair = new Uint8Array(64);
    pair.set(root, 0);
    pair.set(root, 32);
    root = hasher.keccakPairs(pair);
  }
  emptyRoots.set(height, root);
  return root;
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

/** Reads block `index` of a slot (exactly `blockSize` bytes). */
export type SlotBlockReader = (index: number) => Promise<Uint8Array> | Uint8Array;

/**
 * The proof of the cells at `indices`, from a provider's `layers` and the bytes of the
 * sampled blocks only. Each sampled block's sub-tree is rebuilt and checked against its
 * stored root first, so a corrupted block fails here (`BlockError`), not on-chain.
 */
export async function proveFromLayers(
  layers: SlotLayers,
  indices: readonly number[],
  readBlock: SlotBlockReader,
  hasher: CellHasher = nobleCellHasher,
): Promise<SlotProofCalldata> {
  const { cellSize, cellsPerBlock: perBlock } = layers;
  const subtrees = new Map<number, { bytes: Uint8Array; levels: Uint8Array[] }>();
  const cells = new Uint8Array(indices.length * cellSize);
  const siblings: Hex[] = [];
  for (const [sample, index] of indices.entries()) {
    if (!Number.isInteger(index) || index < 0 || index >= layers.numCells)
      throw new RangeError(`cell ${index} is outside a slot of ${layers.numCells} cells`);
    const block = Math.floor(index / perBlock);
    let subtree = subtrees.get(block);
    if (!subtree) {
      const bytes = await readBlock(block);
      if (bytes.length !== layers.blockSize)
        throw new BlockError(`block ${block} has ${bytes.length} B, not ${layers.blockSize}`);
      const levels = blockSubtree(bytes, cellSize, hasher);
      if (!equalBytes(node(levels[levels.length - 1], 0), layers.blockRootOf(block)))
        throw new BlockError(`block ${block} does not match the slot's stored block root`);
      subtree = { bytes, levels };
      subtrees.set(block, subtree);
    }
    const local = index % perBlock;
    cells.set(subtree.bytes.subarray(local * cellSize, (local + 1) * cellSize), sample * cellSize);
    for (let height = 0; height < layers.blockDepth; height++)
      siblings.push(bytesToHex(node(subtree.levels[height], (local >> height) ^ 1)));
    for (const sibling of layers.siblingsAbove(block)) siblings.push(bytesToHex(sibling));
  }
  return { cells: bytesToHex(cells), siblings };
}

/** `proveSlot` from a provider's layers (see `proveFromLayers`). */
export function proveSlotFromLayers(
  layers: SlotLayers,
  seed: Hex,
  slotId: Hex,
  samples: number,
  readBlock: SlotBlockReader,
  hasher: CellHasher = nobleCellHasher,
): Promise<SlotProofCalldata> {
  return proveFromLayers(layers, cellIndices(seed, slotId, samples, layers.numCells), readBlock, hasher);
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
  const cells = hexToBytes(proof.cells);
  if (cells.length !== indices.length * cellSize || proof.siblings.length !== indices.length * depth)
    return false;
  return indices.every((index, sample) => {
    let current = cellLeaf(cells.subarray(sample * cellSize, (sample + 1) * cellSize));
    for (let height = 0; height < depth; height++) {
      const sibling = hexToBytes(proof.siblings[sample * depth + height] ?? "0x");
      current = ((index >> height) & 1) === 0 ? hashPair(current, sibling) : hashPair(sibling, current);
    }
    return equalBytes(current, root);
  });
}
