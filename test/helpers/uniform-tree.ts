/**
 * The slot tree of a slot whose every cell is the same bytes. All leaves are equal, so
 * every level of the tree is one hash repeated: the root and every path cost O(depth) to
 * compute, even for a 1 GiB slot (2^22 cells of 256 B) that would take minutes to hash.
 * It is a real slot (those bytes, repeated, are valid data), and its proofs are real
 * proofs: node/src/core's prover reads them through the same `ProvableSlotTree` interface.
 *
 * Only for cell counts that are powers of two: with padding, the right edge would differ.
 */
import { cellLeaf, hashPair, type ProvableSlotTree } from "../../node/src/core/index.ts";

export class UniformSlotTree implements ProvableSlotTree {
  readonly numCells: number;
  readonly cellSize: number;
  readonly depth: number;
  readonly root: Uint8Array;
  readonly #pattern: Uint8Array;
  /** levels[h] is every node's hash at height h; levels[depth] is the root. */
  readonly #levels: Uint8Array[];

  /** A slot of `slotSize` bytes made of `pattern` (one cell) repeated. */
  constructor(pattern: Uint8Array, slotSize: number) {
    const numCells = slotSize / pattern.length;
    if (!Number.isInteger(numCells) || numCells < 1 || (numCells & (numCells - 1)) !== 0) {
      throw new RangeError(`a uniform tree needs a power-of-two cell count, got ${numCells}`);
    }
    this.#pattern = pattern;
    this.cellSize = pattern.length;
    this.numCells = numCells;
    this.depth = Math.log2(numCells);
    let node = cellLeaf(pattern);
    this.#levels = [node];
    for (let height = 0; height < this.depth; height++) {
      node = hashPair(node, node);
      this.#levels.push(node);
    }
    this.root = node;
  }

  cell(_index: number): Uint8Array {
    return this.#pattern;
  }

  siblings(_index: number): Uint8Array[] {
    return this.#levels.slice(0, this.depth);
  }
}

/** A cell of `cellSize` bytes with no zero byte (zero calldata bytes are cheaper, so a
 * pattern without them measures gas on the expensive side of random data). */
export function nonZeroPattern(cellSize: number, salt: number): Uint8Array {
  return Uint8Array.from({ length: cellSize }, (_, i) => ((i * 7 + (salt % 255) * 31) % 255) + 1);
}
