/**
 * The upload pipeline: bytes → (AES-256-GCM) → UnixFS blocks → stripes → Reed-Solomon →
 * slot blocks → slot trees → dataset manifest.
 *
 * It streams: 256 KiB pieces flow to the importer and into the current stripe; a full
 * stripe goes to the `StripeEncoder` while the next one fills, with at most
 * `maxStripesInFlight` outstanding, so memory stays at a few stripes. Each block goes to
 * `onBlock` once (a durable store in Node, IndexedDB or memory in the browser) and the
 * pipeline waits for it, which is the backpressure. The slot trees keep one hash per block
 * (`SlotLayers`), so a 1 GiB upload holds kilobytes of tree.
 *
 * Data slot blocks that equal a file leaf are not sent twice: a full 256 KiB leaf is the
 * very same raw block. Only the zero-padded last block, one zero block, and parity blocks
 * are new. (The last stripe's padding is all zero blocks, hence all one block.)
 */
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { type EncryptionKey, encryptStream } from "./encryption.ts";
import { checkErasureParams, stripeCount } from "./erasure/index.ts";
import { InvalidParameterError } from "./errors.ts";
import { type CellHasher, createCellHasher } from "./hash/index.ts";
import { type DatasetManifest, encodeManifest, MANIFEST_VERSION } from "./manifest.ts";
import { BLOCK_SIZE, cellsPerBlock, DEFAULT_CELL_SIZE, SlotLayers } from "./slot-tree.ts";
import { createLocalStripeEncoder, type EncodedStripe, type StripeEncoder } from "./stripes.ts";
import { type BlockSink, type ByteSource, CHUNK_SIZE, importFile } from "./unixfs.ts";
import { rechunk } from "./util/bytes.ts";

/** A typed progress event, shaped like the `progress-events` library's (`type` and `detail`). */
export interface ProgressEvent<T extends string, D> {
  type: T;
  detail: D;
}

export type UploadProgressEvent =
  /** `bytes` of the stored file (the ciphertext if encrypted) have been read so far. */
  | ProgressEvent<"upload:bytes", { bytes: number }>
  /** Stripe `stripe` (from 0) is encoded and its blocks stored; `stripes` so far. */
  | ProgressEvent<"upload:stripe", { stripe: number; stripes: number }>
  /** The UnixFS file is complete. */
  | ProgressEvent<"upload:file", { root: CID; size: number }>
  /** The manifest is stored. */
  | ProgressEvent<"upload:manifest", { cid: CID }>;

export interface ErasureOptions {
  /** Data blocks per stripe. */
  k: number;
  /** Parity blocks per stripe. */
  m: number;
  /** @default DEFAULT_CELL_SIZE */
  cellSize?: number;
}

export interface UploadOptions {
  /** Receives every block; the pipeline waits for it. */
  onBlock: BlockSink;
  onProgress?: (event: UploadProgressEvent) => void;
  /** Erasure parameters; without them the upload is a plain UnixFS import (no manifest). */
  erasure?: ErasureOptions;
  /** Encrypts before chunking (encryption.ts). */
  encryptionKey?: EncryptionKey;
  /** Plaintext bytes per encryption segment. */
  segmentSize?: number;
  /** Where stripes are encoded. @default an in-thread encoder */
  stripeEncoder?: StripeEncoder;
  /**
   * Hashes the slot layers above block level, and the data blocks' cell sub-trees that
   * this thread takes over from a worker-thread encoder that is behind. @default the WASM hasher
   */
  hasher?: CellHasher;
  /** Stripes handed to the encoder and not yet finished. @default 2 */
  maxStripesInFlight?: number;
  signal?: AbortSignal;
}

export interface UploadResult {
  /** The stored UnixFS file's root CID and size. */
  root: CID;
  size: number;
  encrypted: boolean;
  /** With erasure options: the manifest, its CID and bytes (also sent to `onBlock`). */
  manifest?: DatasetManifest;
  manifestCid?: CID;
  /** With erasure options: each slot's block roots (32 B per block), what a provider keeps. */
  slotBlockRoots?: Uint8Array[];
}

const DEFAULT_MAX_STRIPES_IN_FLIGHT = 2;

const rawCid = (digest: Uint8Array) => CID.createV1(raw.code, createDigest(sha256.code, digest));

/** Runs the whole upload pipeline over `source`. */
export async function uploadData(source: ByteSource, options: UploadOptions): Promise<UploadResult> {
  const { onBlock, onProgress, erasure, signal } = options;
  const encrypted = options.encryptionKey !== undefined;
  const bytes: ByteSource = options.encryptionKey
    ? encryptStream(source, options.encryptionKey, { segmentSize: options.segmentSize })
    : source;

  if (!erasure) {
    let read = 0;
    const counted = (async function* () {
      for await (const piece of rechunk(bytes, CHUNK_SIZE)) {
        read += piece.length;
        onProgress?.({ type: "upload:bytes", detail: { bytes: read } });
        yield piece;
      }
    })();
    const file = await importFile(counted, onBlock, { signal });
    onProgress?.({ type: "upload:file", detail: { root: file.cid, size: file.size } });
    return { root: file.cid, size: file.size, encrypted };
  }

  const { k, m } = erasure;
  const n = checkErasureParams(k, m);
  const cellSize = erasure.cellSize ?? DEFAULT_CELL_SIZE;
  const blockSize = BLOCK_SIZE;
  cellsPerBlock(blockSize, cellSize);
  const maxInFlight = options.maxStripesInFlight ?? DEFAULT_MAX_STRIPES_IN_FLIGHT;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1)
    throw new InvalidParameterError("maxStripesInFlight", `must be a positive integer, got ${maxInFlight}`);
  const encoder = options.stripeEncoder ?? (await createLocalStripeEncoder());
  const hasher = options.hasher ?? (await createCellHasher());
  const params = { k, m, blockSize, cellSize };

  // Per slot: block CIDs and block roots, one per stripe, in stripe order.
  const slotBlocks: CID[][] = Array.from({ length: n }, () => []);
  const slotRoots: Uint8Array[][] = Array.from({ length: n }, () => []);
  let stripesDone = 0;
  let read = 0;
  /**
   * SHA-256 of each full file leaf, from its CID, keyed by the very piece that was read: the
   * importer's chunker passes a whole 256 KiB piece through as that leaf's bytes, so its
   * sink sees the same object. The stripe encoder then skips hashing those blocks again.
   */
  const leafDigests = new WeakMap<Uint8Array, Uint8Array>();
  const importSink: BlockSink = (block) => {
    const { code, multihash } = block.cid;
    if (code === raw.code && multihash.code === sha256.code && block.bytes.length === blockSize)
      // A copy: the digest may be a view into a pooled buffer, which a worker message would
      // carry whole.
      leafDigests.set(block.bytes, new Uint8Array(multihash.digest));
    return onBlock(block);
  };

  /** Stores a finished stripe's new blocks and records its CIDs and roots. */
  const finish = async (stripe: number, encoded: EncodedStripe) => {
    const fullBlocks = Math.floor(read / blockSize);
    // Equal blocks within a stripe (an empty file's parity is all zeros, like its padding)
    // are sent once. Across stripes, repeated content may be sent again: stores dedupe by
    // CID, and remembering every CID would grow with the file.
    const sent = new Set<string>();
    for (let i = 0; i < n; i++) {
      const cid = rawCid(encoded.digests.subarray(i * 32, (i + 1) * 32));
      slotBlocks[i]?.push(cid);
      slotRoots[i]?.push(encoded.blockRoots.slice(i * 32, (i + 1) * 32));
      const index = stripe * k + i;
      if (i < k && index < fullBlocks) continue; // the same bytes as a file leaf, already stored
      const key = cid.toString();
      if (sent.has(key)) continue; // zero padding blocks are all one block
      sent.add(key);
      const bytes =
        i < k
          ? encoded.data.subarray(i * blockSize, (i + 1) * blockSize)
          : encoded.parity.subarray((i - k) * blockSize, (i - k + 1) * blockSize);
      await onBlock({ cid, bytes });
    }
    stripesDone++;
    onProgress?.({ type: "upload:stripe", detail: { stripe, stripes: stripesDone } });
  };

  // Stripes are finished strictly in order, which keeps slot block lists in stripe order.
  const inFlight: Promise<void>[] = [];
  let chain: Promise<void> = Promise.resolve();
  let nextStripe = 0;
  /** Stripes handed to the encoder whose encoding has not settled yet. */
  let encoding = 0;
  /**
   * How many of a stripe's data blocks this thread gives the cell sub-tree roots of, so
   * the encoder skips them. It grows by one while the encoder is behind (every stripe slot
   * still encoding when the next stripe is handed over, so this thread would wait) and
   * shrinks by one while it is not. With one worker thread on two cores, the worker was the
   * bottleneck, busy 16 of a 17 s upload, while this thread was idle half the time.
   */
  let rootsHere = 0;
  const submit = async (data: Uint8Array, pieces: Uint8Array[], roots: Uint8Array[]) => {
    const stripe = nextStripe++;
    // Leaves the importer has not hashed yet (it hashes in batches) are hashed by the encoder.
    const digests = pieces.map((piece) => leafDigests.get(piece));
    const encoded = encoder.encode(data, params, { digests, roots });
    encoding++;
    // Counted down once settled. A failure surfaces through `chain`; handling it here also
    // stops it counting as unhandled while earlier stripes are still finishing.
    encoded.then(
      () => encoding--,
      () => encoding--,
    );
    chain = chain.then(async () => finish(stripe, await encoded));
    inFlight.push(chain);
    rootsHere = encoding >= maxInFlight ? Math.min(k, rootsHere + 1) : Math.max(0, rootsHere - 1);
    while (inFlight.length >= maxInFlight) await inFlight.shift();
  };

  let stripe = new Uint8Array(k * blockSize);
  let pieces: Uint8Array[] = [];
  let roots: Uint8Array[] = [];
  const tapped = (async function* () {
    for await (const piece of rechunk(bytes, CHUNK_SIZE)) {
      read += piece.length;
      onProgress?.({ type: "upload:bytes", detail: { bytes: read } });
      yield piece;
      stripe.set(piece, pieces.length * blockSize);
      // A short last piece is zero-padded in the stripe: the encoder roots it.
      if (pieces.length < rootsHere && piece.length === blockSize)
        roots[pieces.length] = hasher.subtreeRoots(piece, blockSize, cellSize);
      pieces.push(piece);
      if (pieces.length === k) {
        await submit(stripe, pieces, roots);
        stripe = new Uint8Array(k * blockSize);
        pieces = [];
        roots = [];
      }
    }
  })();

  try {
    const file = await importFile(tapped, importSink, { signal });
    onProgress?.({ type: "upload:file", detail: { root: file.cid, size: file.size } });
    // The last, zero-padded stripe; an empty file still has one (all zeros).
    if (pieces.length > 0 || nextStripe === 0) await submit(stripe, pieces, roots);
    await chain;

    const stripes = stripeCount(Math.ceil(file.size / blockSize), k);
    if (stripes !== nextStripe) throw new Error(`internal: ${nextStripe} stripes made, ${stripes} expected`);
    const slotBlockRoots = slotRoots.map((roots) => {
      const flat = new Uint8Array(roots.length * 32);
      for (const [i, root] of roots.entries()) flat.set(root, i * 32);
      return flat;
    });
    const manifest: DatasetManifest = {
      version: MANIFEST_VERSION,
      root: file.cid,
      size: file.size,
      encrypted,
      k,
      m,
      blockSize,
      stripes,
      cellSize,
      slots: slotBlockRoots.map((roots, i) => ({
        root: SlotLayers.fromBlockRoots(roots, { cellSize, blockSize, hasher }).root,
        blocks: slotBlocks[i] ?? [],
      })),
    };
    const encoded = await encodeManifest(manifest);
    await onBlock(encoded);
    onProgress?.({ type: "upload:manifest", detail: { cid: encoded.cid } });
    return { root: file.cid, size: file.size, encrypted, manifest, manifestCid: encoded.cid, slotBlockRoots };
  } finally {
    // Settle anything still running before the caller tears down the encoder.
    await Promise.allSettled(inFlight);
  }
}
