// AssemblyScript source of the batched cell hasher (compiled by node/src/hash/build-wasm.ts
// into cells-wasm.ts). Tree building at 256 B cells is dominated by per-call overhead, so
// this does thousands of hashes per call:
//
// - sha256Cells: SHA-256 of `count` equal-sized cells, four at a time in the four 32-bit
//   lanes of a v128 (multi-buffer SHA-256 with WASM SIMD);
// - keccakPairs: keccak-256 of `count` consecutive 64-byte inputs (left ‖ right), two at
//   a time in the two 64-bit lanes of a v128 (1.4x the scalar loop, measured), the
//   inner nodes of one tree level;
// - subtreeRoots: both, for the whole cell sub-tree of each of many blocks.
//
// Memory: the host writes inputs at `heapStart()` and beyond, growing memory as needed.

const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const RC: usize = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
  0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
  0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
  0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
  0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
  0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]);

/** 64 message-schedule words, four lanes each. */
const W: usize = memory.data(64 * 16, 16);
/** The padded tail of each of the four lanes: at most two 64-byte blocks. */
const TAIL: usize = memory.data(4 * 128, 16);

/** Where the host may put its buffers. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

// @ts-ignore: decorator
@inline function rotr(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

/** Loads 16 bytes of each lane and transposes them: word j of every lane into `W + j`. */
// @ts-ignore: decorator
@inline function loadWords(out: usize, p0: usize, p1: usize, p2: usize, p3: usize): void {
  // Big-endian words: swap the bytes of each 32-bit lane.
  const r0 = v128.shuffle<u8>(v128.load(p0), v128.load(p0), 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  const r1 = v128.shuffle<u8>(v128.load(p1), v128.load(p1), 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  const r2 = v128.shuffle<u8>(v128.load(p2), v128.load(p2), 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  const r3 = v128.shuffle<u8>(v128.load(p3), v128.load(p3), 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  const t0 = v128.shuffle<u32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<u32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<u32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<u32>(r2, r3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<u32>(t0, t2, 0, 1, 4, 5));
  v128.store(out, v128.shuffle<u32>(t0, t2, 2, 3, 6, 7), 16);
  v128.store(out, v128.shuffle<u32>(t1, t3, 0, 1, 4, 5), 32);
  v128.store(out, v128.shuffle<u32>(t1, t3, 2, 3, 6, 7), 48);
}

/** Compresses one 64-byte block of each lane (at p0..p3) into the state at `state`. */
function compress(state: usize, p0: usize, p1: usize, p2: usize, p3: usize): void {
  schedule(W, p0, p1, p2, p3);
  rounds(state, W);
}

/** The message schedule of one block per lane, round constants folded in, into `w`. */
function schedule(w: usize, p0: usize, p1: usize, p2: usize, p3: usize): void {
  const W = w;
  for (let t: usize = 0; t < 16; t += 4) {
    const off = t << 2;
    loadWords(W + (t << 4), p0 + off, p1 + off, p2 + off, p3 + off);
  }
  for (let t: usize = 16; t < 64; t++) {
    const w15 = v128.load(W + ((t - 15) << 4));
    const w2 = v128.load(W + ((t - 2) << 4));
    const s0 = v128.xor(v128.xor(rotr(w15, 7), rotr(w15, 18)), i32x4.shr_u(w15, 3));
    const s1 = v128.xor(v128.xor(rotr(w2, 17), rotr(w2, 19)), i32x4.shr_u(w2, 10));
    v128.store(
      W + (t << 4),
      i32x4.add(i32x4.add(v128.load(W + ((t - 16) << 4)), s0), i32x4.add(v128.load(W + ((t - 7) << 4)), s1)),
    );
  }
  // Fold the round constants into the schedule: the rounds then add one vector, not two.
  for (let t: usize = 0; t < 64; t++) {
    v128.store(W + (t << 4), i32x4.add(v128.load(W + (t << 4)), i32x4.splat(load<u32>(K + (t << 2)))));
  }
}

/** The 64 rounds over the schedule at `w`, added into the state at `state`. */
function rounds(state: usize, w: usize): void {
  const W = w;
  let a = v128.load(state);
  let b = v128.load(state, 16);
  let c = v128.load(state, 32);
  let d = v128.load(state, 48);
  let e = v128.load(state, 64);
  let f = v128.load(state, 80);
  let g = v128.load(state, 96);
  let h = v128.load(state, 112);
  for (let t: usize = 0; t < 64; t++) {
    const s1 = v128.xor(v128.xor(rotr(e, 6), rotr(e, 11)), rotr(e, 25));
    const ch = v128.bitselect(f, g, e);
    const t1 = i32x4.add(
      i32x4.add(h, s1),
      i32x4.add(ch, v128.load(W + (t << 4))),
    );
    const s0 = v128.xor(v128.xor(rotr(a, 2), rotr(a, 13)), rotr(a, 22));
    const maj = v128.bitselect(a, c, v128.xor(b, c));
    const t2 = i32x4.add(s0, maj);
    h = g;
    g = f;
    f = e;
    e = i32x4.add(d, t1);
    d = c;
    c = b;
    b = a;
    a = i32x4.add(t1, t2);
  }
  v128.store(state, i32x4.add(v128.load(state), a));
  v128.store(state, i32x4.add(v128.load(state, 16), b), 16);
  v128.store(state, i32x4.add(v128.load(state, 32), c), 32);
  v128.store(state, i32x4.add(v128.load(state, 48), d), 48);
  v128.store(state, i32x4.add(v128.load(state, 64), e), 64);
  v128.store(state, i32x4.add(v128.load(state, 80), f), 80);
  v128.store(state, i32x4.add(v128.load(state, 96), g), 96);
  v128.store(state, i32x4.add(v128.load(state, 112), h), 112);
}

const STATE: usize = memory.data(8 * 16, 16);
/** The schedule of the padding-only last block, the same for every cell of one size. */
const PAD_W: usize = memory.data(64 * 16, 16);

/** Copies the last partial block of a cell plus SHA-256 padding into lane `lane`'s tail. */
function padTail(lane: usize, cell: usize, size: usize, full: usize): void {
  const tail = TAIL + lane * 128;
  memory.fill(tail, 0, 128);
  const rest = size - full * 64;
  memory.copy(tail, cell + full * 64, rest);
  store<u8>(tail + rest, 0x80);
  const end = tail + (rest + 9 > 64 ? 128 : 64);
  const bits = <u64>size << 3;
  store<u64>(end - 8, bswap<u64>(bits));
}

/**
 * SHA-256 of each of the `count` cells of `size` bytes at `input`; the 32-byte digests go
 * to `output` in order.
 */
export function sha256Cells(input: usize, count: i32, size: usize, output: usize): void {
  const full = size >> 6;
  const tailBlocks: usize = (size & 63) + 9 > 64 ? 2 : 1;
  // When cells are whole 64-byte blocks, the last block is padding alone (0x80, zeros,
  // the bit length): its schedule is computed once here rather than once per cell.
  const aligned = (size & 63) == 0;
  if (aligned && count > 0) {
    padTail(0, input, size, full);
    schedule(PAD_W, TAIL, TAIL, TAIL, TAIL);
  }
  for (let first = 0; first < count; first += 4) {
    // Lanes past the last cell repeat it; their digests are not written.
    const lanes = min(4, count - first);
    const c0 = input + <usize>first * size;
    const c1 = lanes > 1 ? c0 + size : c0;
    const c2 = lanes > 2 ? c0 + 2 * size : c0;
    const c3 = lanes > 3 ? c0 + 3 * size : c0;
    v128.store(STATE, i32x4.splat(0x6a09e667));
    v128.store(STATE, i32x4.splat(0xbb67ae85), 16);
    v128.store(STATE, i32x4.splat(0x3c6ef372), 32);
    v128.store(STATE, i32x4.splat(0xa54ff53a), 48);
    v128.store(STATE, i32x4.splat(0x510e527f), 64);
    v128.store(STATE, i32x4.splat(0x9b05688c), 80);
    v128.store(STATE, i32x4.splat(0x1f83d9ab), 96);
    v128.store(STATE, i32x4.splat(0x5be0cd19), 112);
    for (let block: usize = 0; block < full; block++) {
      const off = block << 6;
      compress(STATE, c0 + off, c1 + off, c2 + off, c3 + off);
    }
    if (aligned) {
      rounds(STATE, PAD_W);
    } else {
      padTail(0, c0, size, full);
      padTail(1, c1, size, full);
      padTail(2, c2, size, full);
      padTail(3, c3, size, full);
      for (let block: usize = 0; block < tailBlocks; block++) {
        const off = TAIL + (block << 6);
        compress(STATE, off, off + 128, off + 256, off + 384);
      }
    }
    for (let lane = 0; lane < lanes; lane++) {
      const out = output + (<usize>(first + lane) << 5);
      for (let i: usize = 0; i < 8; i++) {
        store<u32>(out + (i << 2), bswap<u32>(load<u32>(STATE + (i << 4) + (<usize>lane << 2))));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function rotl2(x: v128, n: i32): v128 {
  return v128.or(i64x2.shl(x, n), i64x2.shr_u(x, 64 - n));
}

/**
 * keccak-256 of each of the `count` 64-byte inputs at `input` (pairs of child hashes); the
 * 32-byte digests go to `output` in order. Two inputs at a time, one in each 64-bit lane
 * of a v128. `output` may equal `input`: both inputs of a step are read before its two
 * digests are written, and digests never overlap a later input.
 */
export function keccakPairs(input: usize, count: i32, output: usize): void {
  for (let i = 0; i < count; i += 2) {
    const p0 = input + (<usize>i << 6);
    // An odd last input is paired with itself; its second digest is not written.
    const p1 = i + 1 < count ? p0 + 64 : p0;
    let a0 = v128.shuffle<u64>(v128.load(p0, 0), v128.load(p1, 0), 0, 2);
    let a1 = v128.shuffle<u64>(v128.load(p0, 0), v128.load(p1, 0), 1, 3);
    let a2 = v128.shuffle<u64>(v128.load(p0, 16), v128.load(p1, 16), 0, 2);
    let a3 = v128.shuffle<u64>(v128.load(p0, 16), v128.load(p1, 16), 1, 3);
    let a4 = v128.shuffle<u64>(v128.load(p0, 32), v128.load(p1, 32), 0, 2);
    let a5 = v128.shuffle<u64>(v128.load(p0, 32), v128.load(p1, 32), 1, 3);
    let a6 = v128.shuffle<u64>(v128.load(p0, 48), v128.load(p1, 48), 0, 2);
    let a7 = v128.shuffle<u64>(v128.load(p0, 48), v128.load(p1, 48), 1, 3);
    // keccak padding (0x01 … 0x80) of a 64-byte message in a 136-byte rate.
    let a8 = i64x2.splat(0x01);
    let a9 = i64x2.splat(0);
    let a10 = i64x2.splat(0);
    let a11 = i64x2.splat(0);
    let a12 = i64x2.splat(0);
    let a13 = i64x2.splat(0);
    let a14 = i64x2.splat(0);
    let a15 = i64x2.splat(0);
    let a16 = i64x2.splat(0x8000000000000000);
    let a17 = i64x2.splat(0);
    let a18 = i64x2.splat(0);
    let a19 = i64x2.splat(0);
    let a20 = i64x2.splat(0);
    let a21 = i64x2.splat(0);
    let a22 = i64x2.splat(0);
    let a23 = i64x2.splat(0);
    let a24 = i64x2.splat(0);
    for (let round = 0; round < 24; round++) {
      const c0 = v128.xor(v128.xor(v128.xor(a0, a5), v128.xor(a10, a15)), a20);
      const c1 = v128.xor(v128.xor(v128.xor(a1, a6), v128.xor(a11, a16)), a21);
      const c2 = v128.xor(v128.xor(v128.xor(a2, a7), v128.xor(a12, a17)), a22);
      const c3 = v128.xor(v128.xor(v128.xor(a3, a8), v128.xor(a13, a18)), a23);
      const c4 = v128.xor(v128.xor(v128.xor(a4, a9), v128.xor(a14, a19)), a24);
      const d0 = v128.xor(c4, rotl2(c1, 1));
      const d1 = v128.xor(c0, rotl2(c2, 1));
      const d2 = v128.xor(c1, rotl2(c3, 1));
      const d3 = v128.xor(c2, rotl2(c4, 1));
      const d4 = v128.xor(c3, rotl2(c0, 1));
      const b0 = v128.xor(a0, d0);
      const b16 = rotl2(v128.xor(a5, d0), 36);
      const b7 = rotl2(v128.xor(a10, d0), 3);
      const b23 = rotl2(v128.xor(a15, d0), 41);
      const b14 = rotl2(v128.xor(a20, d0), 18);
      const b10 = rotl2(v128.xor(a1, d1), 1);
      const b1 = rotl2(v128.xor(a6, d1), 44);
      const b17 = rotl2(v128.xor(a11, d1), 10);
      const b8 = rotl2(v128.xor(a16, d1), 45);
      const b24 = rotl2(v128.xor(a21, d1), 2);
      const b20 = rotl2(v128.xor(a2, d2), 62);
      const b11 = rotl2(v128.xor(a7, d2), 6);
      const b2 = rotl2(v128.xor(a12, d2), 43);
      const b18 = rotl2(v128.xor(a17, d2), 15);
      const b9 = rotl2(v128.xor(a22, d2), 61);
      const b5 = rotl2(v128.xor(a3, d3), 28);
      const b21 = rotl2(v128.xor(a8, d3), 55);
      const b12 = rotl2(v128.xor(a13, d3), 25);
      const b3 = rotl2(v128.xor(a18, d3), 21);
      const b19 = rotl2(v128.xor(a23, d3), 56);
      const b15 = rotl2(v128.xor(a4, d4), 27);
      const b6 = rotl2(v128.xor(a9, d4), 20);
      const b22 = rotl2(v128.xor(a14, d4), 39);
      const b13 = rotl2(v128.xor(a19, d4), 8);
      const b4 = rotl2(v128.xor(a24, d4), 14);
      a0 = v128.xor(b0, v128.andnot(b2, b1));
      a1 = v128.xor(b1, v128.andnot(b3, b2));
      a2 = v128.xor(b2, v128.andnot(b4, b3));
      a3 = v128.xor(b3, v128.andnot(b0, b4));
      a4 = v128.xor(b4, v128.andnot(b1, b0));
      a5 = v128.xor(b5, v128.andnot(b7, b6));
      a6 = v128.xor(b6, v128.andnot(b8, b7));
      a7 = v128.xor(b7, v128.andnot(b9, b8));
      a8 = v128.xor(b8, v128.andnot(b5, b9));
      a9 = v128.xor(b9, v128.andnot(b6, b5));
      a10 = v128.xor(b10, v128.andnot(b12, b11));
      a11 = v128.xor(b11, v128.andnot(b13, b12));
      a12 = v128.xor(b12, v128.andnot(b14, b13));
      a13 = v128.xor(b13, v128.andnot(b10, b14));
      a14 = v128.xor(b14, v128.andnot(b11, b10));
      a15 = v128.xor(b15, v128.andnot(b17, b16));
      a16 = v128.xor(b16, v128.andnot(b18, b17));
      a17 = v128.xor(b17, v128.andnot(b19, b18));
      a18 = v128.xor(b18, v128.andnot(b15, b19));
      a19 = v128.xor(b19, v128.andnot(b16, b15));
      a20 = v128.xor(b20, v128.andnot(b22, b21));
      a21 = v128.xor(b21, v128.andnot(b23, b22));
      a22 = v128.xor(b22, v128.andnot(b24, b23));
      a23 = v128.xor(b23, v128.andnot(b20, b24));
      a24 = v128.xor(b24, v128.andnot(b21, b20));
      a0 = v128.xor(a0, i64x2.splat(load<u64>(RC + (<usize>round << 3))));
    }

    const q = output + (<usize>i << 5);
    store<u64>(q, i64x2.extract_lane(a0, 0));
    store<u64>(q, i64x2.extract_lane(a1, 0), 8);
    store<u64>(q, i64x2.extract_lane(a2, 0), 16);
    store<u64>(q, i64x2.extract_lane(a3, 0), 24);
    if (i + 1 < count) {
      store<u64>(q, i64x2.extract_lane(a0, 1), 32);
      store<u64>(q, i64x2.extract_lane(a1, 1), 40);
      store<u64>(q, i64x2.extract_lane(a2, 1), 48);
      store<u64>(q, i64x2.extract_lane(a3, 1), 56);
    }
  }
}

/**
 * The cell sub-tree root of each of the `blocks` consecutive blocks of `blockSize` bytes
 * at `input` (a block holds a power of two of `cellSize`-byte cells): 32 bytes each to
 * `output`. `scratch` needs 32 bytes per cell of one block. One call per many blocks, so
 * the host pays no crossing per level.
 */
export function subtreeRoots(
  input: usize,
  blocks: i32,
  blockSize: usize,
  cellSize: usize,
  scratch: usize,
  output: usize,
): void {
  const cells = <i32>(blockSize / cellSize);
  for (let b = 0; b < blocks; b++) {
    sha256Cells(input + <usize>b * blockSize, cells, cellSize, scratch);
    let nodes = cells;
    while (nodes > 1) {
      keccakPairs(scratch, nodes >> 1, scratch);
      nodes >>= 1;
    }
    memory.copy(output + (<usize>b << 5), scratch, 32);
  }
}
