import * as dagCbor from "@ipld/dag-cbor";
import type { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";
import {
  type DatasetManifest,
  decodeManifest,
  encodeManifest,
  validateManifest,
} from "../../src/core/manifest.ts";
import { rawBlockCid } from "../../src/core/unixfs.ts";

async function example(): Promise<DatasetManifest> {
  const block = await rawBlockCid(new Uint8Array([1, 2, 3]));
  return {
    version: 1,
    root: block,
    size: 3 * 262_144 + 1, // 4 blocks: two stripes at k = 3
    encrypted: false,
    k: 3,
    m: 2,
    blockSize: 262_144,
    stripes: 2,
    cellSize: 256,
    slots: Array.from({ length: 5 }, (_, i) => ({
      root: new Uint8Array(32).fill(i),
      blocks: [block, block],
    })),
  };
}

/** Encodes `manifest` with one field replaced, bypassing validation. */
const tampered = (manifest: DatasetManifest, patch: Record<string, unknown>) =>
  dagCbor.encode({ ...manifest, ...patch });

describe("dataset manifest", () => {
  it("round-trips through dag-cbor, and its CID names its bytes", async () => {
    const manifest = await example();
    const { cid, bytes } = await encodeManifest(manifest);
    expect(cid.code).toBe(dagCbor.code);
    const decoded = await decodeManifest(bytes, cid);
    expect(decoded.root.equals(manifest.root)).toBe(true);
    expect({ ...decoded, root: null, slots: null }).toEqual({ ...manifest, root: null, slots: null });
    expect(decoded.slots[4]?.root).toEqual(new Uint8Array(32).fill(4));
    // Deterministic: the same manifest always has the same CID.
    expect((await encodeManifest(await example())).cid.equals(cid)).toBe(true);
  });

  it("refuses bytes that do not match the expected CID", async () => {
    const manifest = await example();
    const { cid } = await encodeManifest(manifest);
    const other = await encodeManifest({ ...manifest, encrypted: true });
    await expect(decodeManifest(other.bytes, cid)).rejects.toMatchObject({
      name: "InvalidManifestError",
      field: "(cid)",
    });
    await expect(decodeManifest(new Uint8Array([0xff, 0x00]))).rejects.toMatchObject({ field: "(bytes)" });
  });

  it.each([
    ["version", { version: 2 }],
    ["root", { root: "bafy" }],
    ["size", { size: -1 }],
    ["size", { size: 1.5 }],
    ["encrypted", { encrypted: "no" }],
    ["k", { k: 0 }],
    ["m", { m: 300 }],
    ["blockSize", { blockSize: 1000 }],
    ["cellSize", { cellSize: 300 }],
    ["cellSize", { cellSize: 524_288 }],
    ["stripes", { stripes: 3 }],
    ["slots", { slots: [] }],
    ["extra", { extra: 1 }],
  ])("names the bad field %s", async (field, patch) => {
    await expect(decodeManifest(tampered(await example(), patch))).rejects.toMatchObject({
      name: "InvalidManifestError",
      field,
    });
  });

  it("names bad slot entries", async () => {
    const manifest = await example();
    const slots = manifest.slots.map((slot) => ({ ...slot }));
    slots[2] = { ...slots[2], root: new Uint8Array(31) } as (typeof slots)[number];
    await expect(decodeManifest(tampered(manifest, { slots }))).rejects.toMatchObject({
      field: "slots[2].root",
    });
    slots[2] = { root: new Uint8Array(32), blocks: [manifest.root] };
    await expect(decodeManifest(tampered(manifest, { slots }))).rejects.toMatchObject({
      field: "slots[2].blocks",
    });
    slots[2] = { root: new Uint8Array(32), blocks: [manifest.root, 7 as unknown as CID] };
    await expect(decodeManifest(tampered(manifest, { slots }))).rejects.toMatchObject({
      field: "slots[2].blocks[1]",
    });
    expect(() => validateManifest(null)).toThrow(expect.objectContaining({ field: "(root)" }));
  });

  it("validates before encoding", async () => {
    await expect(encodeManifest({ ...(await example()), k: 0 })).rejects.toMatchObject({ field: "k" });
  });

  it("accepts the empty file: one stripe of zero blocks", async () => {
    const manifest = { ...(await example()), size: 0, stripes: 1 };
    manifest.slots = manifest.slots.map((slot) => ({ ...slot, blocks: [manifest.root] }));
    expect(validateManifest(manifest).stripes).toBe(1);
  });
});
