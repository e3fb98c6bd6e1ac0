import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";

export function rawCid(bytes: Uint8Array): CID {
  return CID.createV1(raw.code, createDigest(0x12, createHash("sha256").update(bytes).digest()));
}

export function randomBlock(size = 1024): { cid: CID; bytes: Uint8Array } {
  const bytes = new Uint8Array(randomBytes(size));
  return { cid: rawCid(bytes), bytes };
}

export async function tempDir(
  prefix = "cairn-test-",
): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}
