/**
 * GF(2^8) arithmetic and the Reed-Solomon coding matrix, exactly as the Rust
 * reed-solomon-erasure crate (and Backblaze's JavaReedSolomon, which it ports) builds them:
 * field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), a (k + m) × k Vandermonde matrix
 * v[r][c] = r^c, made systematic by multiplying with the inverse of its top k × k square.
 * The SIMD encoder (encode.as) uses the parity rows; reconstruction stays with the crate.
 */
import { InvalidParameterError } from "../errors.ts";

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] ?? 0;
}

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a] ?? 0) + (LOG[b] ?? 0)] ?? 0;
}

function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError("division by zero in GF(2^8)");
  if (a === 0) return 0;
  return EXP[(LOG[a] ?? 0) + 255 - (LOG[b] ?? 0)] ?? 0;
}

function gfPow(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return EXP[((LOG[a] ?? 0) * n) % 255] ?? 0;
}

type Matrix = number[][];

const at = (matrix: Matrix, r: number, c: number) => matrix[r]?.[c] ?? 0;

function multiply(a: Matrix, b: Matrix): Matrix {
  const inner = b.length;
  const cols = b[0]?.length ?? 0;
  return a.map((_, r) =>
    Array.from({ length: cols }, (_, c) => {
      let sum = 0;
      for (let i = 0; i < inner; i++) sum ^= gfMul(at(a, r, i), at(b, i, c));
      return sum;
    }),
  );
}

/** Gauss-Jordan inversion over GF(2^8). */
function invert(square: Matrix): Matrix {
  const n = square.length;
  const work = square.map((row, r) => [...row, ...Array.from({ length: n }, (_, c) => (c === r ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && at(work, pivot, col) === 0) pivot++;
    if (pivot === n) throw new RangeError("singular matrix");
    [work[col], work[pivot]] = [work[pivot] ?? [], work[col] ?? []];
    const row = work[col] ?? [];
    const scale = gfDiv(1, row[col] ?? 0);
    for (let c = 0; c < 2 * n; c++) row[c] = gfMul(row[c] ?? 0, scale);
    for (let r = 0; r < n; r++) {
      const other = work[r] ?? [];
      const factor = other[col] ?? 0;
      if (r === col || factor === 0) continue;
      for (let c = 0; c < 2 * n; c++) other[c] = (other[c] ?? 0) ^ gfMul(factor, row[c] ?? 0);
    }
  }
  return work.map((row) => row.slice(n));
}

const parityCache = new Map<string, Matrix>();

/** The m × k parity rows of the systematic coding matrix for k + m shards. */
export function parityMatrix(k: number, m: number): Matrix {
  if (k + m > 256) throw new InvalidParameterError("m", `k + m must be at most 256, got ${k + m}`);
  const key = `${k}+${m}`;
  const cached = parityCache.get(key);
  if (cached) return cached;
  const vandermonde = Array.from({ length: k + m }, (_, r) =>
    Array.from({ length: k }, (_, c) => gfPow(r, c)),
  );
  const top = invert(vandermonde.slice(0, k));
  const rows = multiply(vandermonde, top).slice(k);
  parityCache.set(key, rows);
  return rows;
}

/** The nibble tables encode.as reads: 32 bytes per (parity row, data shard). */
export function nibbleTables(k: number, m: number): Uint8Array {
  const rows = parityMatrix(k, m);
  const tables = new Uint8Array(m * k * 32);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < k; i++) {
      const c = at(rows, j, i);
      const base = (j * k + i) * 32;
      for (let x = 0; x < 16; x++) {
        tables[base + x] = gfMul(c, x);
        tables[base + 16 + x] = gfMul(c, x << 4);
      }
    }
  }
  return tables;
}
