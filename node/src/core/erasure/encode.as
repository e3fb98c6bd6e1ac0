// AssemblyScript source of the SIMD Reed-Solomon encoder (compiled by
// node/src/hash/build-wasm.ts into encode-wasm.ts). GF(2^8) multiplication by a constant is
// two 16-entry table lookups, one per nibble (i8x16.swizzle), as in ISA-L and klauspost's
// Go codec; the coding matrix comes from the host (gf.ts), the same as the
// reed-solomon-erasure crate's, so the parity is identical to the crate's.

/** Where the host may put its buffers. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * parity[j] = XOR over i of matrix[j][i] · data[i], for the m parity rows.
 *
 * - `data`: k shards at a stride of `stride` bytes (a multiple of 16);
 * - `tables`: for each (j, i), 32 bytes: c·x for x = 0..15, then c·(x << 4) for x = 0..15;
 * - `parity`: m shards at the same stride.
 */
export function encode(data: usize, k: i32, m: i32, stride: usize, tables: usize, parity: usize): void {
  const mask = i8x16.splat(0x0f);
  for (let j = 0; j < m; j++) {
    const out = parity + <usize>j * stride;
    const rowTables = tables + <usize>(j * k) * 32;
    for (let offset: usize = 0; offset < stride; offset += 16) {
      let acc = i8x16.splat(0);
      for (let i = 0; i < k; i++) {
        const t = rowTables + (<usize>i << 5);
        const x = v128.load(data + <usize>i * stride + offset);
        const lo = v128.and(x, mask);
        const hi = v128.and(i16x8.shr_u(x, 4), mask);
        acc = v128.xor(acc, v128.xor(i8x16.swizzle(v128.load(t), lo), i8x16.swizzle(v128.load(t, 16), hi)));
      }
      v128.store(out + offset, acc);
    }
  }
}
