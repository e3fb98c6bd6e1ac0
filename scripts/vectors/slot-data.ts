/**
 * Deterministic pseudo-random slot data for the shared proof vectors: SHA-256 in counter
 * mode over a label, so anyone can regenerate the exact bytes from the label and size.
 */
import { createHash } from "node:crypto";

/** `size` bytes: sha256(`${label}:0`) ‖ sha256(`${label}:1`) ‖ … truncated to `size`. */
export function vectorData(label: string, size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let offset = 0, counter = 0; offset < size; offset += 32, counter++) {
    const digest = createHash("sha256").update(`${label}:${counter}`).digest();
    data.set(digest.subarray(0, Math.min(32, size - offset)), offset);
  }
  return data;
}
