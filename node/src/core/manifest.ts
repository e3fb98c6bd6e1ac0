/**
 * The dataset manifest (data.md, "Erasure coding and slots"): a dag-cbor document whose CID
 * goes on-chain and into the DHT. It says which file the dataset holds, how it was coded,
 * and what each slot is (its block CIDs and its cell-tree root).
 *
 * Schema, version 1 (all keys required, no others):
 *
 *   version    1
 *   root       CID      root of the stored UnixFS file (the ciphertext if encrypted)
 *   size       int      bytes of that file
 *   encrypted  bool     the file is the Cairn AES-256-GCM format (encryption.ts)
 *   k, m       int      data and parity blocks per stripe, 1 ≤ k, 0 ≤ m, k + m ≤ 256
 *   blockSize  int      bytes per block (256 KiB)
 *   stripes    int      max(1, ceil(ceil(size / blockSize) / k))
 *   cellSize   int      bytes per cell, a power of two dividing blockSize
 *   slots      [{ root: bytes(32), blocks: [CID × stripes] } × (k + m)]
 *
 * Decoding validates everything and names the bad field (`InvalidManifestError.field`).
 */
import * as dagCbor from "@ipld/dag-cbor";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { MAX_SHARDS, stripeCount } from "./erasure/index.ts";
import { InvalidManifestError } from "./errors.ts";

export const MANIFEST_VERSION = 1;

/** One slot: the i-th block of every stripe. */
export interface SlotManifest {
  /** The slot's cell-tree root (32 bytes), the slot root that goes on-chain. */
  root: Uint8Array;
  /** CIDs (raw, SHA-256) of the slot's blocks, one per stripe. */
  blocks: CID[];
}

export interface DatasetManifest {
  version: typeof MANIFEST_VERSION;
  root: CID;
  size: number;
  encrypted: boolean;
  k: number;
  m: number;
  blockSize: number;
  stripes: number;
  cellSize: number;
  slots: SlotManifest[];
}

const KEYS = ["version", "root", "size", "encrypted", "k", "m", "blockSize", "stripes", "cellSize", "slots"];

function fail(field: string, message: string): never {
  throw new InvalidManifestError(field, message);
}

function int(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value))
    fail(field, `must be an integer, got ${String(value)}`);
  if (value < min || value > max) fail(field, `must be in [${min}, ${max}], got ${value}`);
  return value;
}

function cid(value: unknown, field: string): CID {
  const parsed = CID.asCID(value);
  if (!parsed) fail(field, "must be a CID");
  return parsed;
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Checks a manifest object (decoded or about to be encoded) and returns it typed. */
export function validateManifest(value: unknown): DatasetManifest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("(root)", "must be a map");
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!KEYS.includes(key)) fail(key, "is not a manifest field");
  if (record.version !== MANIFEST_VERSION)
    fail("version", `must be ${MANIFEST_VERSION}, got ${String(record.version)}`);
  const root = cid(record.root, "root");
  const size = int(record.size, "size", 0);
  if (typeof record.encrypted !== "boolean") fail("encrypted", "must be a boolean");
  const k = int(record.k, "k", 1, MAX_SHARDS);
  const m = int(record.m, "m", 0, MAX_SHARDS - k);
  const blockSize = int(record.blockSize, "blockSize", 1, 2 ** 30);
  if (!isPowerOfTwo(blockSize)) fail("blockSize", `must be a power of two, got ${blockSize}`);
  const cellSize = int(record.cellSize, "cellSize", 1, blockSize);
  if (!isPowerOfTwo(cellSize)) fail("cellSize", `must be a power of two, got ${cellSize}`);
  const stripes = int(record.stripes, "stripes", 1);
  const expected = stripeCount(Math.ceil(size / blockSize), k);
  if (stripes !== expected) fail("stripes", `must be ${expected} for ${size} B at k = ${k}, got ${stripes}`);
  if (!Array.isArray(record.slots)) fail("slots", "must be a list");
  if (record.slots.length !== k + m)
    fail("slots", `must have k + m = ${k + m} entries, got ${record.slots.length}`);
  const slots = record.slots.map((slot: unknown, i): SlotManifest => {
    const field = `slots[${i}]`;
    if (typeof slot !== "object" || slot === null) fail(field, "must be a map");
    const { root: slotRoot, blocks, ...rest } = slot as Record<string, unknown>;
    for (const key of Object.keys(rest)) fail(`${field}.${key}`, "is not a slot field");
    if (!(slotRoot instanceof Uint8Array) || slotRoot.length !== 32)
      fail(`${field}.root`, "must be 32 bytes");
    if (!Array.isArray(blocks) || blocks.length !== stripes)
      fail(`${field}.blocks`, `must list ${stripes} block CIDs (one per stripe)`);
    return { root: slotRoot, blocks: blocks.map((block, j) => cid(block, `${field}.blocks[${j}]`)) };
  });
  return {
    version: MANIFEST_VERSION,
    root,
    size,
    encrypted: record.encrypted,
    k,
    m,
    blockSize,
    stripes,
    cellSize,
    slots,
  };
}

/** The manifest's bytes and CID (CIDv1, dag-cbor, SHA-256). Validates first. */
export async function encodeManifest(manifest: DatasetManifest): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = dagCbor.encode(validateManifest(manifest));
  return { cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bytes };
}

/**
 * Decodes and validates manifest bytes. With `expected`, also checks that the bytes are the
 * ones that CID names.
 */
export async function decodeManifest(bytes: Uint8Array, expected?: CID): Promise<DatasetManifest> {
  if (expected) {
    if (expected.code !== dagCbor.code) fail("(cid)", `${expected} is not a dag-cbor CID`);
    const digest = await sha256.digest(bytes);
    if (!CID.createV1(dagCbor.code, digest).equals(expected)) fail("(cid)", `bytes do not match ${expected}`);
  }
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (err) {
    throw new InvalidManifestError("(bytes)", `not dag-cbor: ${(err as Error).message}`);
  }
  return validateManifest(value);
}
