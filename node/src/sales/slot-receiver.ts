/**
 * Streams a slot's bytes into the block store: cut into blocks of the slot's block size,
 * bounded to exactly the slot size, each block's cell sub-tree root computed and the block
 * stored as it passes. Memory stays at a few blocks whatever the slot's size. The caller
 * compares the resulting root with the chain's.
 */
import { createHash } from "node:crypto";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { type CellHasher, SlotLayers } from "../core/index.ts";
import { type CairnBlockstore, createBlockWriter } from "../store/blocks/index.ts";
import type { BlockPins } from "./block-refs.ts";
import { SLOT_WRITE_CONCURRENCY } from "./constants.ts";
import { SlotTooLargeError, SlotTooShortError } from "./errors.ts";

export interface ReceiveOptions {
  slotSize: number;
  blockSize: number;
  cellSize: number;
  hasher: CellHasher;
  blockstore: CairnBlockstore;
  /** Every block is pinned here as it is written; the caller unpins when done. */
  pins: BlockPins;
  signal?: AbortSignal;
}

export interface ReceivedSlot {
  /** The slot's block CIDs, in slot order. */
  blockCids: string[];
  /** 32 B per block, each block's cell sub-tree root, in slot order. */
  blockRoots: Uint8Array;
  /** The slot's cell-tree root. */
  root: Uint8Array;
  /** Blocks this upload wrote that were not in the store before it. */
  written: string[];
  /** Every CID pinned in `pins` (to unpin). */
  pinned: string[];
}

/**
 * Receives a slot. Throws `SlotTooLargeError` as soon as the bytes pass the slot size and
 * `SlotTooShortError` when they end before it; blocks already written are listed on the
 * error's `received` property for the caller's cleanup.
 */
export async function receiveSlot(
  source: AsyncIterable<Uint8Array>,
  options: ReceiveOptions,
): Promise<ReceivedSlot> {
  const { slotSize, blockSize, cellSize, hasher, blockstore, pins } = options;
  const blocks = slotSize / blockSize;
  const blockCids: string[] = [];
  const blockRoots = new Uint8Array(blocks * 32);
  const written: string[] = [];
  const pinned: string[] = [];
  const writer = createBlockWriter(blockstore, {
    concurrency: SLOT_WRITE_CONCURRENCY,
    signal: options.signal,
  });
  let block = new Uint8Array(blockSize);
  let filled = 0;
  let received = 0;

  const finishBlock = async (bytes: Uint8Array) => {
    const index = blockCids.length;
    blockRoots.set(hasher.subtreeRoots(bytes, blockSize, cellSize), index * 32);
    const digest = createHash("sha256").update(bytes).digest();
    const cid = CID.createV1(raw.code, createDigest(sha256.code, digest));
    const key = cid.toString();
    blockCids.push(key);
    pins.pin(key);
    pinned.push(key);
    if (!(await blockstore.has(cid))) {
      written.push(key);
      await writer.write({ cid, bytes });
    }
  };

  try {
    for await (const chunk of source) {
      options.signal?.throwIfAborted();
      received += chunk.byteLength;
      if (received > slotSize) throw new SlotTooLargeError(slotSize);
      let offset = 0;
      while (offset < chunk.byteLength) {
        const take = Math.min(blockSize - filled, chunk.byteLength - offset);
        block.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === blockSize) {
          await finishBlock(block);
          // The writer may still hold the last block: a new buffer, never a reused one.
          block = new Uint8Array(blockSize);
          filled = 0;
        }
      }
    }
    if (received < slotSize) throw new SlotTooShortError(received, slotSize);
    await writer.drain();
  } catch (err) {
    await writer.settle();
    Object.assign(err as object, { received: { written, pinned } });
    throw err;
  }
  const root = SlotLayers.fromBlockRoots(blockRoots, { cellSize, blockSize, hasher }).root;
  return { blockCids, blockRoots, root, written, pinned };
}

/** The blocks a failed `receiveSlot` had written and pinned, for cleanup. */
export function receivedSoFar(err: unknown): { written: string[]; pinned: string[] } {
  const received = (err as { received?: { written: string[]; pinned: string[] } } | undefined)?.received;
  return received ?? { written: [], pinned: [] };
}
