/**
 * Slot data for tests: small real slots (one 256 KiB block of deterministic bytes) whose
 * trees node/src/core builds, and proofs in the market's calldata layout.
 */
import type { Hex } from "viem";
import { buildSlotTree, proveSlot, type ProvableSlotTree, type SlotTree } from "../../node/src/core/index.ts";
import { vectorData } from "../../scripts/vectors/slot-data.ts";

/** One block: the smallest slot the market takes. */
export const SLOT_SIZE = 262_144;

const trees = new Map<string, SlotTree>();

/** The tree of `vectorData(label, size)`, built once per label. */
export function slotTree(label: string, size: number = SLOT_SIZE, cellSize = 256): SlotTree {
  const key = `${label}/${size}/${cellSize}`;
  let tree = trees.get(key);
  if (tree === undefined) {
    tree = buildSlotTree(vectorData(label, size), cellSize);
    trees.set(key, tree);
  }
  return tree;
}

/** `IStorageMarket.Proof`, as viem takes it. */
export interface ProofArg {
  period: bigint;
  cells: Hex;
  siblings: readonly Hex[];
}

/** The proof that `period`'s `seed` asks of `slotId`. */
export function proofFor(
  tree: ProvableSlotTree,
  slotId: Hex,
  period: bigint,
  seed: Hex,
  samples = 8,
): ProofArg {
  return { period, ...proveSlot(tree, seed, slotId, samples) };
}
