/**
 * One stripe's work, the CPU-heavy middle of an upload: Reed-Solomon parity, each block's
 * cell sub-tree root, and each block's SHA-256 (for its CID). It is a pure function of the
 * stripe's bytes, so the Node side can run it in a worker_thread (node/src/pipeline/) while
 * the main thread chunks and stores: the `StripeEncoder` interface is that seam.
 */
import { sha256 } from "multiformats/hashes/sha2";
import { type ErasureCodec, checkErasureParams, createErasureCodec } from "./erasure/index.ts";
import { InvalidParameterError } from "./errors.ts";
// No slot-tree.ts (and so no viem) here: worker threads load this module graph, and
// keeping it small keeps each worker's memory small.
import { type CellHasher, checkBlocks, createCellHasher } from "./hash/index.ts";

export interface StripeParams {
  k: number;
  m: number;
  blockSize: number;
  cellSize: number;
}

export interface EncodedStripe {
  /** The k data blocks back to back (the same bytes that went in; maybe a new buffer). */
  data: Uint8Array;
  /** The m parity blocks back to back. */
  parity: Uint8Array;
  /** For each of the n = k + m blocks, its cell sub-tree root: 32 bytes each. */
  blockRoots: Uint8Array;
  /** For each of the n blocks, its SHA-256: 32 bytes each. */
  digests: Uint8Array;
}

/**
 * What the caller already has for some of the k data blocks, by block index in the stripe;
 * a missing entry is computed as usual.
 */
export interface KnownBlocks {
  /**
   * SHA-256 digests. An upload passes those of its file leaves, which the importer has just
   * hashed for their CIDs: hashing the data blocks again cost 5% of an upload's CPU.
   */
  digests?: ReadonlyArray<Uint8Array | undefined>;
  /**
   * Cell sub-tree roots. An upload computes some on its own thread while a worker-thread
   * encoder is behind (upload.ts), which would otherwise leave that thread waiting.
   */
  roots?: ReadonlyArray<Uint8Array | undefined>;
}

/** Encodes stripes, maybe elsewhere. `data` may be transferred: callers must not reuse it. */
export interface StripeEncoder {
  encode(data: Uint8Array, params: StripeParams, known?: KnownBlocks): Promise<EncodedStripe>;
  /** Releases threads or other resources. */
  close?(): Promise<void> | void;
}

/** SHA-256 of a block: synchronous native in a Node worker, WebCrypto elsewhere. */
export type BlockDigest = (block: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const webDigest: BlockDigest = async (block) => (await sha256.digest(block)).digest;

/** Checks stripe parameters and a stripe's size. */
export function checkStripe(data: Uint8Array, params: StripeParams): number {
  const n = checkErasureParams(params.k, params.m);
  if (data.length !== params.k * params.blockSize)
    throw new InvalidParameterError(
      "data",
      `a stripe is k × blockSize = ${params.k * params.blockSize} B, got ${data.length}`,
    );
  return n;
}

/** Checks a list of known 32-byte values, at most one per data block. */
function checkKnown(
  values: ReadonlyArray<Uint8Array | undefined> = [],
  field: string,
  k: number,
): ReadonlyArray<Uint8Array | undefined> {
  if (values.length > k)
    throw new InvalidParameterError(field, `${values.length} given for ${k} data blocks`);
  for (const [i, value] of values.entries()) {
    if (value !== undefined && value.length !== 32)
      throw new InvalidParameterError(field, `entry ${i} is ${value.length} B, not 32`);
  }
  return values;
}

/** Does one stripe's work, in this thread. */
export async function encodeStripe(
  codec: ErasureCodec,
  hasher: CellHasher,
  data: Uint8Array,
  params: StripeParams,
  digest: BlockDigest = webDigest,
  known: KnownBlocks = {},
): Promise<EncodedStripe> {
  const n = checkStripe(data, params);
  const knownDigests = checkKnown(known.digests, "known.digests", params.k);
  const knownRoots = checkKnown(known.roots, "known.roots", params.k);
  const { k, blockSize, cellSize } = params;
  checkBlocks(data, blockSize, cellSize);
  const parity = codec.encode(data, k, params.m);
  const blockRoots = new Uint8Array(n * 32);
  // The data blocks' roots not given, one hasher call per run of consecutive blocks.
  let block = 0;
  while (block < k) {
    const root = knownRoots[block];
    if (root !== undefined) {
      blockRoots.set(root, block * 32);
      block++;
      continue;
    }
    let end = block + 1;
    while (end < k && knownRoots[end] === undefined) end++;
    const run = data.subarray(block * blockSize, end * blockSize);
    blockRoots.set(hasher.subtreeRoots(run, blockSize, cellSize), block * 32);
    block = end;
  }
  if (parity.length > 0) blockRoots.set(hasher.subtreeRoots(parity, blockSize, cellSize), k * 32);
  const digests = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    const block =
      i < k
        ? data.subarray(i * blockSize, (i + 1) * blockSize)
        : parity.subarray((i - k) * blockSize, (i - k + 1) * blockSize);
    digests.set(knownDigests[i] ?? (await digest(block)), i * 32);
  }
  return { data, parity, blockRoots, digests };
}

/** A `StripeEncoder` that works in the calling thread (the browser's, or Node's fallback). */
export async function createLocalStripeEncoder(
  init: { codec?: ErasureCodec; hasher?: CellHasher; digest?: BlockDigest } = {},
): Promise<StripeEncoder> {
  const codec = init.codec ?? (await createErasureCodec());
  const hasher = init.hasher ?? (await createCellHasher());
  return {
    encode: (data, params, known) => encodeStripe(codec, hasher, data, params, init.digest, known),
  };
}
