/** Shared helpers for the core's tests. */
import { createHash } from "node:crypto";

/** `size` deterministic pseudo-random bytes (SHA-256 in counter mode over `label`). */
export function pseudoRandom(label: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let counter = 0;
  for (let offset = 0; offset < size; offset += 32, counter++) {
    const digest = createHash("sha256").update(`${label}:${counter}`).digest();
    out.set(digest.subarray(0, Math.min(32, size - offset)), offset);
  }
  return out;
}

/** Splits `data` into pieces of varying sizes, as a network stream would. */
export function* pieces(data: Uint8Array, sizes = [1, 1000, 65_536, 300_000, 7]): Generator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

/** Concatenates an async stream of bytes. */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

/** Every subset of {0..n-1} with exactly `size` elements. */
export function subsets(n: number, size: number): number[][] {
  const out: number[][] = [];
  const walk = (start: number, chosen: number[]) => {
    if (chosen.length === size) {
      out.push(chosen);
      return;
    }
    for (let i = start; i < n; i++) walk(i + 1, [...chosen, i]);
  };
  walk(0, []);
  return out;
}
