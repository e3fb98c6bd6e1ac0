import { createErasureCodec, decodeManifest, decodeSlots, decryptStream, BLOCK_SIZE } from "@cairn/node/core";
import { CID } from "multiformats/cid";
import { bytesToHex } from "viem";
import { describe, expect, it } from "vitest";
import { encodeDataset } from "../../src/workers/encode-dataset.ts";

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(out.subarray(i, i + 65_536));
  return out;
}

async function concat(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe("encodeDataset (what the encode worker runs)", () => {
  it("makes n slots whose roots are the manifest's and from which any k rebuild the file", async () => {
    const data = randomBytes(BLOCK_SIZE * 5 + 1234);
    const progress: number[] = [];
    const encoded = await encodeDataset({ file: new Blob([data]), k: 3, m: 2 }, (p) =>
      progress.push(p.bytes),
    );

    const manifest = await decodeManifest(encoded.manifestBytes, CID.decode(encoded.manifestCid));
    expect(encoded.slotRoots).toEqual(manifest.slots.map((s) => bytesToHex(s.root)));
    expect(encoded.slots).toHaveLength(5);
    expect(encoded.slotSize).toBe(2 * BLOCK_SIZE);
    expect(progress.at(-1)).toBe(data.length);

    // Lose two slots (one data, one parity): the other three still give the file back.
    const codec = await createErasureCodec();
    const kept = encoded.slots.map((slot, i) => (i === 1 || i === 4 ? undefined : slot));
    const rebuilt = decodeSlots(codec, kept, manifest);
    expect(Buffer.from(rebuilt).equals(Buffer.from(data))).toBe(true);
  });

  it("encrypts with the user's key before coding, so only that key reads it back", async () => {
    const data = randomBytes(70_000);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const encoded = await encodeDataset({ file: new Blob([data]), k: 1, m: 1, key });
    expect(encoded.encrypted).toBe(true);
    const codec = await createErasureCodec();
    const manifest = await decodeManifest(encoded.manifestBytes, CID.decode(encoded.manifestCid));
    const stored = decodeSlots(codec, encoded.slots, manifest);
    expect(Buffer.from(await concat(decryptStream([stored], key))).equals(Buffer.from(data))).toBe(true);
    await expect(concat(decryptStream([stored], new Uint8Array(32)))).rejects.toMatchObject({
      name: "DecryptionError",
    });
  });
});
