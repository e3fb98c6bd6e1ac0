/**
 * Streams the file of an erasure-coded dataset from its manifest: the file's bytes are data
 * slots 0..k-1's blocks, stripe by stripe, truncated to `size`. Data blocks are requested
 * ahead of the reader, in order. When a data block cannot be had from anyone, its stripe is
 * rebuilt from whatever k of the stripe's k + m blocks can be had; each rebuilt block is
 * checked against the CID the manifest names for it, then stored, so the next read is local.
 */
import type { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import type { DatasetManifest, ErasureCodec } from "../core/index.ts";
import type { BlockSource } from "./block-source.ts";
import { RebuiltBlockMismatchError, StripeUnrecoverableError } from "./errors.ts";
import type { ProgressTracker } from "./progress.ts";

export interface ReadRange {
  offset: number;
  length: number;
}

export interface DatasetReadInit {
  manifest: DatasetManifest;
  source: BlockSource;
  codec: () => Promise<ErasureCodec>;
  store: (cid: CID, bytes: Uint8Array) => Promise<unknown>;
  progress: ProgressTracker;
  readAhead: number;
  signal: AbortSignal;
}

type Settled = { ok: true; bytes: Uint8Array } | { ok: false; err: Error };

function settle(promise: Promise<Uint8Array>): Promise<Settled> {
  return promise.then(
    (bytes) => ({ ok: true as const, bytes }),
    (err: Error) => ({ ok: false as const, err }),
  );
}

/** The data block CID at file block `index` (stripe-major: block i of stripe s is s·k + i). */
function dataCid(manifest: DatasetManifest, index: number): CID {
  const stripe = Math.floor(index / manifest.k);
  return (manifest.slots[index % manifest.k] as { blocks: CID[] }).blocks[stripe] as CID;
}

async function sameDigest(cid: CID, bytes: Uint8Array): Promise<boolean> {
  const digest = await sha256.digest(bytes);
  const expected = cid.multihash.digest;
  return digest.digest.length === expected.length && digest.digest.every((b, i) => b === expected[i]);
}

/**
 * The stripe's data blocks, given those that failed: fetches the parity blocks and
 * rebuilds. Only reached when a data block could not be had.
 */
async function rebuildStripe(
  init: DatasetReadInit,
  stripe: number,
  data: Array<Uint8Array | undefined>,
  cause: Error,
): Promise<Uint8Array[]> {
  const { manifest, source } = init;
  const { k, m } = manifest;
  const shards: Array<Uint8Array | undefined> = [...data];
  const missing = data.filter((d) => d === undefined).length;
  const parity = await Promise.all(
    Array.from({ length: m }, (_, j) =>
      settle(source.get((manifest.slots[k + j] as { blocks: CID[] }).blocks[stripe] as CID)),
    ),
  );
  for (const result of parity) shards.push(result.ok ? result.bytes : undefined);
  const present = shards.filter((s) => s !== undefined).length;
  if (present < k) {
    throw new StripeUnrecoverableError(
      stripe,
      `stripe ${stripe} has only ${present} of the ${k} blocks needed to rebuild it (${cause.message})`,
      { cause },
    );
  }
  const rebuilt = (await init.codec()).reconstruct(shards, k, m);
  for (const [i, block] of rebuilt.entries()) {
    if (data[i] !== undefined) continue;
    const cid = (manifest.slots[i] as { blocks: CID[] }).blocks[stripe] as CID;
    if (!(await sameDigest(cid, block))) {
      throw new RebuiltBlockMismatchError(`stripe ${stripe}, slot ${i}: the rebuilt block is not ${cid}`);
    }
    await init.store(cid, block);
  }
  init.progress.rebuilt(stripe, missing);
  return rebuilt;
}

/** Yields `range` of the dataset's file. */
export async function* readDataset(init: DatasetReadInit, range: ReadRange): AsyncGenerator<Uint8Array> {
  const { manifest, source, signal } = init;
  const { k, blockSize } = manifest;
  const end = range.offset + range.length;
  if (range.length <= 0) return;
  const first = Math.floor(range.offset / blockSize);
  const last = Math.floor((end - 1) / blockSize);
  const pending = new Map<number, Promise<Settled>>();
  let next = first;
  const fill = (): void => {
    while (next <= last && pending.size < Math.max(1, init.readAhead)) {
      pending.set(next, settle(source.get(dataCid(manifest, next))));
      next++;
    }
  };
  // Blocks of a rebuilt stripe not yet yielded.
  let rebuilt: { stripe: number; blocks: Uint8Array[] } | undefined;
  try {
    fill();
    for (let index = first; index <= last; index++) {
      signal.throwIfAborted();
      const stripe = Math.floor(index / k);
      let block: Uint8Array;
      if (rebuilt?.stripe === stripe) {
        block = rebuilt.blocks[index % k] as Uint8Array;
        pending.delete(index);
      } else {
        const result = (await pending.get(index)) as Settled;
        pending.delete(index);
        if (result.ok) block = result.bytes;
        else if (signal.aborted) throw result.err;
        else {
          // The stripe's other data blocks: those requested ahead are awaited, the earlier ones
          // (read already, so local now, or before the range) are read again.
          const data: Array<Uint8Array | undefined> = [];
          for (let at = stripe * k; at < (stripe + 1) * k; at++) {
            if (at === index) {
              data.push(undefined);
              continue;
            }
            const other = await (pending.get(at) ?? settle(source.get(dataCid(manifest, at))));
            data.push(other.ok ? other.bytes : undefined);
          }
          rebuilt = { stripe, blocks: await rebuildStripe(init, stripe, data, result.err) };
          block = rebuilt.blocks[index % k] as Uint8Array;
        }
      }
      fill();
      const blockStart = index * blockSize;
      const from = Math.max(range.offset, blockStart) - blockStart;
      const to = Math.min(end, blockStart + blockSize) - blockStart;
      yield block.subarray(from, to);
    }
  } finally {
    // Requests still in flight end with the retrieval's signal; nothing is awaited here.
    for (const p of pending.values()) p.catch(() => {});
  }
}
