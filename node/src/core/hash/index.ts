/**
 * Batched hashing for slot cell trees. Tree building at 256 B cells is dominated by the
 * cost per hash call, so the core hashes whole levels in one call through a `CellHasher`.
 *
 * - `createCellHasher()` is the default, in Node and in the browser alike: an
 *   AssemblyScript WASM module (cells.as) with 4-lane SIMD SHA-256 over cells and 2-lane
 *   SIMD keccak-f over pairs. Its leaves alone run about 2 to 3x faster than one
 *   `crypto.hash` call per cell in Node (docs/data.md, `nativePerLeafRatio`).
 * - `nobleCellHasher` is a synchronous pure-JS fallback for small trees (tests, vectors).
 *
 * A caller may inject any other `CellHasher`, for example one backed by native code.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { InvalidParameterError } from "../errors.ts";
import { base64ToBytes } from "../util/bytes.ts";
import { compileOnce, instantiate, type WasmMemory } from "../util/wasm.ts";
import { CELLS_WASM } from "./cells-wasm.ts";

/** Hashes many small inputs per call. Both methods are synchronous and pure. */
export interface CellHasher {
  /**
   * SHA-256 of each `cellSize`-byte cell of `data` (whose length is a multiple of
   * `cellSize`): the 32-byte digests concatenated, in order.
   */
  sha256Cells(data: Uint8Array, cellSize: number): Uint8Array;
  /**
   * keccak-256 of each 64-byte pair of `level` (left ‖ right; its length is a multiple of
   * 64): the next level up, 32 bytes per pair.
   */
  keccakPairs(level: Uint8Array): Uint8Array;
  /**
   * The cell sub-tree root of each consecutive `blockSize`-byte block of `data` (a block
   * holds a power of two of cells): 32 bytes per block. What a slot keeps per block.
   */
  subtreeRoots(data: Uint8Array, blockSize: number, cellSize: number): Uint8Array;
}

/** Checks that blocks hold a power of two of whole cells; returns cells per block. */
export function checkBlocks(data: Uint8Array, blockSize: number, cellSize: number): number {
  if (!Number.isSafeInteger(cellSize) || cellSize < 1)
    throw new InvalidParameterError("cellSize", `must be a positive integer, got ${cellSize}`);
  if (!Number.isSafeInteger(blockSize) || blockSize < cellSize || blockSize % cellSize !== 0)
    throw new InvalidParameterError("blockSize", `${blockSize} is not a whole number of ${cellSize} B cells`);
  const cells = blockSize / cellSize;
  if ((cells & (cells - 1)) !== 0)
    throw new InvalidParameterError("cellSize", `a block must hold a power of two of cells, not ${cells}`);
  if (data.length % blockSize !== 0)
    throw new InvalidParameterError(
      "data",
      `${data.length} B is not a whole number of ${blockSize} B blocks`,
    );
  return cells;
}

/** `subtreeRoots` from the two primitives, for hashers without a fused one. */
function subtreeRootsOf(
  hasher: CellHasher,
  data: Uint8Array,
  blockSize: number,
  cellSize: number,
): Uint8Array {
  checkBlocks(data, blockSize, cellSize);
  const out = new Uint8Array((data.length / blockSize) * 32);
  for (let offset = 0, b = 0; offset < data.length; offset += blockSize, b++) {
    let level = hasher.sha256Cells(data.subarray(offset, offset + blockSize), cellSize);
    while (level.length > 32) level = hasher.keccakPairs(level);
    out.set(level, b * 32);
  }
  return out;
}

function checkCells(data: Uint8Array, cellSize: number): void {
  if (!Number.isSafeInteger(cellSize) || cellSize < 1)
    throw new InvalidParameterError("cellSize", `must be a positive integer, got ${cellSize}`);
  if (data.length % cellSize !== 0)
    throw new InvalidParameterError("data", `${data.length} B is not a whole number of ${cellSize} B cells`);
}

function checkPairs(level: Uint8Array): void {
  if (level.length % 64 !== 0)
    throw new InvalidParameterError("level", `${level.length} B is not a whole number of 64 B pairs`);
}

/** Pure-JS hasher: correct everywhere, synchronous, slow (one call per node). */
export const nobleCellHasher: CellHasher = {
  sha256Cells(data, cellSize) {
    checkCells(data, cellSize);
    const out = new Uint8Array((data.length / cellSize) * 32);
    for (let i = 0, o = 0; i < data.length; i += cellSize, o += 32)
      out.set(sha256(data.subarray(i, i + cellSize)), o);
    return out;
  },
  keccakPairs(level) {
    checkPairs(level);
    const out = new Uint8Array(level.length / 2);
    for (let i = 0, o = 0; i < level.length; i += 64, o += 32)
      out.set(keccak_256(level.subarray(i, i + 64)), o);
    return out;
  },
  subtreeRoots(data, blockSize, cellSize) {
    return subtreeRootsOf(nobleCellHasher, data, blockSize, cellSize);
  },
};

interface CellsExports {
  memory: WasmMemory;
  heapStart(): number;
  sha256Cells(input: number, count: number, size: number, output: number): void;
  keccakPairs(input: number, count: number, output: number): void;
  subtreeRoots(
    input: number,
    blocks: number,
    blockSize: number,
    cellSize: number,
    scratch: number,
    output: number,
  ): void;
}

/** Inputs go through WASM memory in pieces of at most this many bytes, bounding its size. */
const WASM_CHUNK = 1 << 20;
const PAGE = 65_536;

class WasmCellHasher implements CellHasher {
  readonly #exports: CellsExports;
  readonly #base: number;

  constructor(exports: CellsExports) {
    this.#exports = exports;
    this.#base = exports.heapStart();
  }

  /** Makes room for `bytes` bytes of input and output from the heap start. */
  #reserve(bytes: number): Uint8Array {
    const memory = this.#exports.memory;
    const need = this.#base + bytes;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
    return new Uint8Array(memory.buffer);
  }

  sha256Cells(data: Uint8Array, cellSize: number): Uint8Array {
    checkCells(data, cellSize);
    const count = data.length / cellSize;
    const out = new Uint8Array(count * 32);
    // A piece is a whole number of cells, at least one.
    const perPiece = Math.max(1, Math.floor(WASM_CHUNK / cellSize));
    const memory = this.#reserve(Math.min(count, perPiece) * (cellSize + 32));
    for (let first = 0; first < count; first += perPiece) {
      const cells = Math.min(perPiece, count - first);
      const input = data.subarray(first * cellSize, (first + cells) * cellSize);
      const output = this.#base + input.length;
      memory.set(input, this.#base);
      this.#exports.sha256Cells(this.#base, cells, cellSize, output);
      out.set(memory.subarray(output, output + cells * 32), first * 32);
    }
    return out;
  }

  keccakPairs(level: Uint8Array): Uint8Array {
    checkPairs(level);
    const out = new Uint8Array(level.length / 2);
    const memory = this.#reserve(Math.min(level.length, WASM_CHUNK));
    for (let offset = 0; offset < level.length; offset += WASM_CHUNK) {
      const input = level.subarray(offset, offset + WASM_CHUNK);
      memory.set(input, this.#base);
      // In place: digest i never overwrites a pair not yet read.
      this.#exports.keccakPairs(this.#base, input.length / 64, this.#base);
      out.set(memory.subarray(this.#base, this.#base + input.length / 2), offset / 2);
    }
    return out;
  }

  subtreeRoots(data: Uint8Array, blockSize: number, cellSize: number): Uint8Array {
    const cells = checkBlocks(data, blockSize, cellSize);
    const blocks = data.length / blockSize;
    const out = new Uint8Array(blocks * 32);
    // Whole blocks per call, about WASM_CHUNK of input at a time (at least one block).
    const perCall = Math.max(1, Math.floor(WASM_CHUNK / blockSize));
    const scratch = this.#base + Math.min(blocks, perCall) * blockSize;
    const output = scratch + cells * 32;
    const memory = this.#reserve(output + perCall * 32 - this.#base);
    for (let first = 0; first < blocks; first += perCall) {
      const count = Math.min(perCall, blocks - first);
      memory.set(data.subarray(first * blockSize, (first + count) * blockSize), this.#base);
      this.#exports.subtreeRoots(this.#base, count, blockSize, cellSize, scratch, output);
      out.set(memory.subarray(output, output + count * 32), first * 32);
    }
    return out;
  }
}

const compiled = compileOnce(() => base64ToBytes(CELLS_WASM));

/**
 * A new WASM cell hasher (each has its own memory; not shared between threads). The
 * module is compiled once, asynchronously: browsers refuse to compile modules over 4 KiB
 * synchronously on the main thread.
 */
export async function createCellHasher(): Promise<CellHasher> {
  const exports = await instantiate<CellsExports>(await compiled(), {
    env: {
      abort() {
        throw new Error("cell hasher aborted");
      },
    },
  });
  return new WasmCellHasher(exports);
}
