/**
 * Reed-Solomon erasure coding over GF(2^8) (data.md, "Erasure coding and slots").
 *
 * One codec for Node and the browser, in WASM embedded as base64 so both load the very same
 * bytes and so give byte-identical parity:
 *
 * - encoding (the hot path) runs in encode.as: SIMD nibble-table GF(2^8) multiplies over
 *   the coding matrix of gf.ts, which is the crate's own, so the parity is the crate's;
 * - reconstruction runs in the Rust reed-solomon-erasure crate
 *   (@subspace/reed-solomon-erasure.wasm, in rs-wasm.ts), through the thin glue below
 *   (the package's own glue double-frees the flags array: see `reconstruct`).
 *
 * A stripe is k data shards of equal, non-zero size plus m parity shards; any k of the
 * k + m rebuild the rest. k + m is at most 256.
 */
import { ErasureCodecError, InvalidParameterError, NotEnoughShardsError } from "../errors.ts";
import { base64ToBytes } from "../util/bytes.ts";
import { compileOnce, instantiate, type WasmMemory } from "../util/wasm.ts";
import { ENCODE_WASM } from "./encode-wasm.ts";
import { nibbleTables } from "./gf.ts";
import { RS_WASM } from "./rs-wasm.ts";

/** The largest k + m the GF(2^8) code allows. */
export const MAX_SHARDS = 256;

/** Encodes and rebuilds stripes. Synchronous; not shared between threads. */
export interface ErasureCodec {
  /**
   * The m parity shards of the k data shards laid out back to back in `data`
   * (`data.length` = k × shard size), back to back.
   */
  encode(data: Uint8Array, k: number, m: number): Uint8Array;
  /**
   * The k data shards of a stripe, from `shards` (length k + m, in stripe order) where
   * missing shards are `undefined`. Throws `NotEnoughShardsError` with fewer than k present.
   */
  reconstruct(shards: readonly (Uint8Array | undefined)[], k: number, m: number): Uint8Array[];
}

/** Checks k and m; returns n = k + m. */
export function checkErasureParams(k: number, m: number): number {
  if (!Number.isSafeInteger(k) || k < 1)
    throw new InvalidParameterError("k", `must be an integer ≥ 1, got ${k}`);
  if (!Number.isSafeInteger(m) || m < 0)
    throw new InvalidParameterError("m", `must be an integer ≥ 0, got ${m}`);
  if (k + m > MAX_SHARDS)
    throw new InvalidParameterError("m", `k + m must be at most ${MAX_SHARDS}, got ${k + m}`);
  return k + m;
}

const RESULT_OK = 0;

interface RsExports {
  memory: WasmMemory;
  encode(pointer: number, length: number, k: number, m: number): number;
  reconstruct(
    pointer: number,
    length: number,
    k: number,
    m: number,
    flags: number,
    flagsLength: number,
  ): number;
  __wbindgen_malloc(size: number): number;
  __wbindgen_free(pointer: number, size: number): void;
}

interface EncodeExports {
  memory: WasmMemory;
  heapStart(): number;
  encode(data: number, k: number, m: number, stride: number, tables: number, parity: number): void;
}

const PAGE = 65_536;

class WasmErasureCodec implements ErasureCodec {
  readonly #rs: RsExports;
  readonly #simd: EncodeExports | undefined;

  constructor(rs: RsExports, simd: EncodeExports | undefined) {
    this.#rs = rs;
    this.#simd = simd;
  }

  /** Encodes with encode.as: shards at a 16-byte stride, one call per stripe. */
  #encodeSimd(simd: EncodeExports, data: Uint8Array, k: number, m: number, shardSize: number): Uint8Array {
    const stride = Math.ceil(shardSize / 16) * 16;
    const tables = nibbleTables(k, m);
    const tablesAt = simd.heapStart();
    const dataAt = tablesAt + Math.ceil(tables.length / 16) * 16;
    const parityAt = dataAt + k * stride;
    const need = parityAt + m * stride;
    if (simd.memory.buffer.byteLength < need)
      simd.memory.grow(Math.ceil((need - simd.memory.buffer.byteLength) / PAGE));
    const memory = new Uint8Array(simd.memory.buffer);
    memory.set(tables, tablesAt);
    if (stride === shardSize) memory.set(data, dataAt);
    else {
      for (let i = 0; i < k; i++) {
        memory.set(data.subarray(i * shardSize, (i + 1) * shardSize), dataAt + i * stride);
        memory.fill(0, dataAt + i * stride + shardSize, dataAt + (i + 1) * stride);
      }
    }
    simd.encode(dataAt, k, m, stride, tablesAt, parityAt);
    if (stride === shardSize) return memory.slice(parityAt, parityAt + m * stride);
    const parity = new Uint8Array(m * shardSize);
    for (let j = 0; j < m; j++)
      parity.set(memory.subarray(parityAt + j * stride, parityAt + j * stride + shardSize), j * shardSize);
    return parity;
  }

  /**
   * Runs `call` on a fresh WASM allocation of `size` bytes, freed afterwards, as the
   * crate's own glue does (the shards are borrowed by the crate, not owned).
   */
  #withBuffer<T>(size: number, call: (pointer: number) => T): T {
    const pointer = this.#rs.__wbindgen_malloc(size);
    try {
      return call(pointer);
    } finally {
      this.#rs.__wbindgen_free(pointer, size);
    }
  }

  /** A fresh view: a call may grow (and so replace) WASM memory. */
  #memory(): Uint8Array {
    return new Uint8Array(this.#rs.memory.buffer);
  }

  encode(data: Uint8Array, k: number, m: number): Uint8Array {
    const n = checkErasureParams(k, m);
    if (data.length === 0 || data.length % k !== 0)
      throw new InvalidParameterError(
        "data",
        `${data.length} B is not k = ${k} non-empty shards of equal size`,
      );
    const shardSize = data.length / k;
    if (m === 0) return new Uint8Array(0);
    if (this.#simd) return this.#encodeSimd(this.#simd, data, k, m, shardSize);
    return this.#withBuffer(n * shardSize, (pointer) => {
      this.#memory().set(data, pointer);
      const result = this.#rs.encode(pointer, n * shardSize, k, m);
      if (result !== RESULT_OK) throw new ErasureCodecError(result, "encode");
      return this.#memory().slice(pointer + data.length, pointer + n * shardSize);
    });
  }

  reconstruct(shards: readonly (Uint8Array | undefined)[], k: number, m: number): Uint8Array[] {
    const n = checkErasureParams(k, m);
    if (shards.length !== n)
      throw new InvalidParameterError("shards", `expected ${n} entries, got ${shards.length}`);
    let shardSize = -1;
    let present = 0;
    for (const [index, shard] of shards.entries()) {
      if (shard === undefined) continue;
      if (shard.length === 0) throw new InvalidParameterError(`shards[${index}]`, "is empty");
      if (shardSize >= 0 && shard.length !== shardSize)
        throw new InvalidParameterError(`shards[${index}]`, `has ${shard.length} B, others ${shardSize} B`);
      shardSize = shard.length;
      present++;
    }
    if (present < k) throw new NotEnoughShardsError(present, k);
    const data = shards.slice(0, k);
    if (data.every((shard) => shard !== undefined)) return data.map((shard) => shard.slice());

    return this.#withBuffer(n * shardSize, (pointer) => {
      // The crate takes ownership of the flags array and frees it itself (freeing it here
      // too corrupts its allocator: measured), so it is allocated but not freed here.
      const flags = this.#rs.__wbindgen_malloc(n);
      const memory = this.#memory();
      for (const [index, shard] of shards.entries()) {
        if (shard) memory.set(shard, pointer + index * shardSize);
        else memory.fill(0, pointer + index * shardSize, pointer + (index + 1) * shardSize);
        memory[flags + index] = shard ? 1 : 0;
      }
      const result = this.#rs.reconstruct(pointer, n * shardSize, k, m, flags, n);
      if (result !== RESULT_OK) throw new ErasureCodecError(result, "reconstruct");
      const after = this.#memory();
      return Array.from({ length: k }, (_, i) =>
        after.slice(pointer + i * shardSize, pointer + (i + 1) * shardSize),
      );
    });
  }
}

const compiledRs = compileOnce(() => base64ToBytes(RS_WASM));
const compiledEncode = compileOnce(() => base64ToBytes(ENCODE_WASM));

export interface ErasureCodecInit {
  /** Encode with the SIMD encoder (else with the crate; the parity is the same). @default true */
  simd?: boolean;
}

/** A new codec instance (own WASM memory). Compiles the modules once, asynchronously. */
export async function createErasureCodec(init: ErasureCodecInit = {}): Promise<ErasureCodec> {
  const rs = await instantiate<RsExports>(await compiledRs());
  const simd =
    (init.simd ?? true)
      ? await instantiate<EncodeExports>(await compiledEncode(), {
          env: {
            abort() {
              throw new Error("erasure encoder aborted");
            },
          },
        })
      : undefined;
  return new WasmErasureCodec(rs, simd);
}

/** The number of stripes for `blocks` data blocks at k per stripe (at least one). */
export function stripeCount(blocks: number, k: number): number {
  return Math.max(1, Math.ceil(blocks / k));
}

/**
 * The original bytes from any k of the n slots (`slots[i]` is slot i's bytes or
 * `undefined`): each stripe is rebuilt, data blocks concatenated, and the zero padding cut
 * at `size`. Holds everything in memory; for tests, tools and small data.
 */
export function decodeSlots(
  codec: ErasureCodec,
  slots: readonly (Uint8Array | undefined)[],
  params: { k: number; m: number; blockSize: number; size: number },
): Uint8Array {
  const { k, m, blockSize, size } = params;
  const n = checkErasureParams(k, m);
  if (slots.length !== n)
    throw new InvalidParameterError("slots", `expected ${n} entries, got ${slots.length}`);
  const present = slots.filter((slot) => slot !== undefined);
  if (present.length < k) throw new NotEnoughShardsError(present.length, k);
  const slotSize = present[0]?.length ?? 0;
  if (slotSize === 0 || slotSize % blockSize !== 0)
    throw new InvalidParameterError("slots", `a slot of ${slotSize} B is not a whole number of blocks`);
  const stripes = slotSize / blockSize;
  if (size > stripes * k * blockSize)
    throw new InvalidParameterError(
      "size",
      `${size} B exceeds the ${stripes * k * blockSize} B the slots hold`,
    );
  const out = new Uint8Array(size);
  for (let stripe = 0; stripe < stripes; stripe++) {
    const shards = slots.map((slot) => slot?.subarray(stripe * blockSize, (stripe + 1) * blockSize));
    const data = codec.reconstruct(shards, k, m);
    for (const [i, block] of data.entries()) {
      const offset = (stripe * k + i) * blockSize;
      if (offset >= size) break;
      out.set(block.subarray(0, Math.min(blockSize, size - offset)), offset);
    }
  }
  return out;
}
