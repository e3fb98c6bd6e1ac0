import { CID } from "multiformats/cid";
import type { Hex } from "viem";
import { BlockError, type CellHasher, proveSlotFromLayers, SlotLayers } from "../core/index.ts";
import { SlotDataError } from "./errors.ts";
import type { HeldSlot } from "./held-slots.ts";

/** Where a slot's blocks are read from: the node's block store. */
export interface SlotBlockSource {
  getBytes(cid: CID): Promise<Uint8Array>;
}

/** `IStorageMarket.Proof` as viem takes it. */
export interface MarketProof {
  period: bigint;
  cells: Hex;
  siblings: Hex[];
}

/**
 * Builds the proof that `seed` asks of a held slot, from its stored block roots and the
 * sampled blocks only (core's `proveSlotFromLayers`), in the contract's calldata layout. A
 * block that is missing or does not hash to its stored root fails here, as a
 * `SlotDataError`, not on-chain.
 */
export async function buildSlotProof(
  slot: HeldSlot,
  blockCids: readonly string[],
  seed: Hex,
  period: bigint,
  samples: number,
  blocks: SlotBlockSource,
  hasher: CellHasher,
): Promise<MarketProof> {
  const layers = SlotLayers.fromBlockRoots(slot.blockRoots, {
    cellSize: slot.cellSize,
    blockSize: slot.blockSize,
    hasher,
  });
  const readBlock = async (index: number): Promise<Uint8Array> => {
    const cid = blockCids[index];
    if (cid === undefined) throw new SlotDataError(`slot ${slot.slotId} has no block ${index}`);
    try {
      return await blocks.getBytes(CID.parse(cid));
    } catch (err) {
      throw new SlotDataError(
        `slot ${slot.slotId}: block ${index} (${cid}) cannot be read: ${(err as Error).message}`,
      );
    }
  };
  try {
    const proof = await proveSlotFromLayers(layers, seed, slot.slotId, samples, readBlock, hasher);
    return { period, cells: proof.cells, siblings: proof.siblings };
  } catch (err) {
    if (err instanceof BlockError) throw new SlotDataError(`slot ${slot.slotId}: ${err.message}`);
    throw err;
  }
}
