/**
 * Downloads hold a bounded number of blocks: `readFile` (src/api/dag.ts) gates the
 * exporter's block reads, which would otherwise run as far ahead of the HTTP client as the
 * disk allows, and `releasableReader` (src/api/release.ts) frees each block read from disk
 * once the exporter has copied it.
 */
import { randomBytes } from "node:crypto";
import type { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { describe, expect, it } from "vitest";
import { DOWNLOAD_BLOCK_READ_AHEAD } from "../../src/api/constants.ts";
import { readFile } from "../../src/api/dag.ts";
import { releasableReader } from "../../src/api/release.ts";
import { CHUNK_SIZE, importFile } from "../../src/core/index.ts";

const LEAVES = 40;

async function storedFile(size: number) {
  const blocks = new Map<string, Uint8Array>();
  const data = new Uint8Array(randomBytes(size));
  const file = await importFile([data], ({ cid, bytes }) => {
    blocks.set(cid.toString(), bytes);
  });
  let leafReads = 0;
  // A fresh copy per read, as the disk store gives.
  const read = (cid: CID) => {
    if (cid.code === raw.code) leafReads++;
    return blocks.get(cid.toString())?.slice() ?? Promise.reject(new Error(`no ${cid}`));
  };
  return { data, root: file.cid, read, leafReads: () => leafReads };
}

describe("download memory", () => {
  it("reads at most DOWNLOAD_BLOCK_READ_AHEAD leaves ahead of a slow consumer", async () => {
    const { data, root, read, leafReads } = await storedFile(LEAVES * CHUNK_SIZE);
    const got: Uint8Array[] = [];
    let mostAhead = 0;
    for await (const chunk of readFile(root, read)) {
      got.push(chunk);
      // A slow client: give the exporter every chance to read further ahead.
      await new Promise((resolve) => setTimeout(resolve, 5));
      mostAhead = Math.max(mostAhead, leafReads() - got.length);
    }
    expect(Buffer.concat(got).equals(data)).toBe(true);
    expect(mostAhead).toBeGreaterThan(0);
    expect(mostAhead).toBeLessThanOrEqual(DOWNLOAD_BLOCK_READ_AHEAD);
  });

  it("serves a range through the gate", async () => {
    const { data, root, read } = await storedFile(12 * CHUNK_SIZE + 5);
    const offset = 3 * CHUNK_SIZE - 7;
    const length = 5 * CHUNK_SIZE + 11;
    const got: Uint8Array[] = [];
    for await (const chunk of readFile(root, read, { offset, length })) got.push(chunk);
    expect(Buffer.concat(got).equals(data.subarray(offset, offset + length))).toBe(true);
  });

  it("frees each block the reader handed out once the exporter has copied it", async () => {
    const { data, root, read } = await storedFile(6 * CHUNK_SIZE);
    const blocks = releasableReader(read);
    const handedOut: Uint8Array[] = [];
    const tracking = async (cid: CID) => {
      const bytes = await blocks.read(cid);
      handedOut.push(bytes);
      return bytes;
    };
    const got: Uint8Array[] = [];
    for await (const chunk of readFile(root, tracking, { release: blocks.release })) got.push(chunk);
    expect(Buffer.concat(got).equals(data)).toBe(true); // what was served was not freed
    expect(handedOut.length).toBe(7); // the root and 6 leaves
    for (const bytes of handedOut) expect(bytes.byteLength).toBe(0); // detached: freed
  });
});
