import type { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";
import { decryptStream, generateEncryptionKey } from "../../src/core/encryption.ts";
import { createErasureCodec, decodeSlots } from "../../src/core/erasure/index.ts";
import { createCellHasher } from "../../src/core/hash/index.ts";
import { decodeManifest } from "../../src/core/manifest.ts";
import { BLOCK_SIZE, buildSlotTree } from "../../src/core/slot-tree.ts";
import {
  createLocalStripeEncoder,
  encodeStripe,
  type KnownBlocks,
  type StripeEncoder,
} from "../../src/core/stripes.ts";
import { type Block, exportFile, importFile } from "../../src/core/unixfs.ts";
import { type UploadProgressEvent, uploadData } from "../../src/core/upload.ts";
import { collect, pieces, pseudoRandom } from "./helpers.ts";

/** A memory block store that counts how often each CID was sent. */
/**
 * An encoder that checks the values an upload hands it (`known.digests` or `known.roots`)
 * against `recompute` of their blocks, then encodes as `local` does after `delayMs`.
 */
function checkingEncoder(
  local: StripeEncoder,
  field: keyof KnownBlocks,
  recompute: (block: Uint8Array) => Uint8Array,
  delayMs = 0,
) {
  const counts = { given: 0, wrong: 0 };
  const encoder: StripeEncoder = {
    async encode(data, params, known) {
      for (const [i, value] of (known?.[field] ?? []).entries()) {
        if (value === undefined) continue;
        counts.given++;
        const block = data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE);
        if (!Buffer.from(recompute(block)).equals(value)) counts.wrong++;
      }
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return local.encode(data, params, known);
    },
  };
  return { encoder, counts };
}

/** Encodes one k + m stripe of pseudo-random data named `seed`, with what is `known`. */
async function stripeOf(seed: string, k: number, m: number) {
  const codec = await createErasureCodec();
  const hasher = await createCellHasher();
  const params = { k, m, blockSize: BLOCK_SIZE, cellSize: 256 };
  const data = pseudoRandom(seed, k * BLOCK_SIZE);
  return (known?: KnownBlocks) => encodeStripe(codec, hasher, data.slice(), params, undefined, known);
}

function memoryStore() {
  const blocks = new Map<string, Uint8Array>();
  const sends = new Map<string, number>();
  return {
    blocks,
    sends,
    sink: (block: Block) => {
      const key = block.cid.toString();
      blocks.set(key, block.bytes.slice());
      sends.set(key, (sends.get(key) ?? 0) + 1);
    },
    read: (cid: CID) => {
      const bytes = blocks.get(cid.toString());
      if (!bytes) throw new Error(`missing block ${cid}`);
      return bytes;
    },
  };
}

describe("uploadData", () => {
  for (const [name, size, k, m] of [
    ["an empty file", 0, 3, 2],
    ["one byte", 1, 3, 2],
    ["exactly one stripe", 3 * BLOCK_SIZE, 3, 2],
    ["several stripes, the last padded", 7 * BLOCK_SIZE + 12_345, 3, 2],
    ["10+4 over a partial stripe", 3 * BLOCK_SIZE + 1, 10, 4],
  ] as const) {
    it(`stores ${name} as slots that rebuild it (k=${k}, m=${m})`, async () => {
      const data = pseudoRandom(`upload-${name}`, size);
      const store = memoryStore();
      const events: UploadProgressEvent[] = [];
      const result = await uploadData(pieces(data), {
        onBlock: store.sink,
        erasure: { k, m },
        onProgress: (event) => events.push(event),
      });

      // The file root is the plain UnixFS root of the same bytes.
      const plain = await importFile([data], () => {});
      expect(result.root.equals(plain.cid)).toBe(true);
      expect(result.size).toBe(size);

      // The manifest was stored and validates; every block it names is in the store.
      if (!result.manifestCid) throw new Error("no manifest");
      const manifest = await decodeManifest(store.read(result.manifestCid), result.manifestCid);
      expect(manifest.root.equals(result.root)).toBe(true);
      expect(manifest.stripes).toBe(Math.max(1, Math.ceil(Math.ceil(size / BLOCK_SIZE) / k)));
      const hasher = await createCellHasher();
      const slots = manifest.slots.map((slot) => Buffer.concat(slot.blocks.map((cid) => store.read(cid))));
      for (const [i, slot] of slots.entries()) {
        expect(slot.length).toBe(manifest.stripes * BLOCK_SIZE);
        expect(buildSlotTree(slot, manifest.cellSize, hasher).root, `slot ${i}`).toEqual(
          manifest.slots[i]?.root,
        );
      }
      // No block is sent twice.
      expect([...store.sends.values()].every((count) => count === 1)).toBe(true);

      // Any k slots rebuild the file: drop the first m.
      const codec = await createErasureCodec();
      const kept = slots.map((slot, i) => (i < m ? undefined : slot));
      expect(
        Buffer.from(decodeSlots(codec, kept, { k, m, blockSize: BLOCK_SIZE, size })).equals(
          Buffer.from(data),
        ),
      ).toBe(true);
      // And the UnixFS file reads back from the store.
      expect(Buffer.from(await collect(exportFile(result.root, store.read))).equals(Buffer.from(data))).toBe(
        true,
      );

      // Progress: bytes grow to the size, one event per stripe, then the manifest.
      const bytes = events.flatMap((e) => (e.type === "upload:bytes" ? [e.detail.bytes] : []));
      expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
      expect(bytes.at(-1) ?? 0).toBe(size);
      expect(events.filter((e) => e.type === "upload:stripe")).toHaveLength(manifest.stripes);
      expect(events.at(-1)).toMatchObject({ type: "upload:manifest" });
    });
  }

  it("encrypts before chunking, and the stored file decrypts to the original", async () => {
    const data = pseudoRandom("secret", 600_000);
    const key = generateEncryptionKey();
    const store = memoryStore();
    const result = await uploadData(pieces(data), {
      onBlock: store.sink,
      erasure: { k: 2, m: 1 },
      encryptionKey: key,
    });
    expect(result.encrypted).toBe(true);
    expect(result.manifest?.encrypted).toBe(true);
    expect(result.size).toBeGreaterThan(data.length);
    const plaintext = await collect(decryptStream(exportFile(result.root, store.read), key));
    expect(Buffer.from(plaintext).equals(Buffer.from(data))).toBe(true);
    await expect(
      collect(decryptStream(exportFile(result.root, store.read), generateEncryptionKey())),
    ).rejects.toMatchObject({
      name: "DecryptionError",
    });
  });

  it("imports without a manifest when given no erasure parameters", async () => {
    const store = memoryStore();
    const result = await uploadData([pseudoRandom("plain", 300_000)], { onBlock: store.sink });
    expect(result.manifest).toBeUndefined();
    expect(store.blocks.size).toBe(3); // two leaves and a root
  });

  it("keeps the encoder's order and limits stripes in flight", async () => {
    const local = await createLocalStripeEncoder();
    let running = 0;
    let most = 0;
    const slow = {
      async encode(data: Uint8Array, params: Parameters<typeof local.encode>[1]) {
        running++;
        most = Math.max(most, running);
        // Later stripes finish first, to show results are still taken in order.
        await new Promise((resolve) => setTimeout(resolve, 30 - ((data[0] ?? 0) % 20)));
        running--;
        return local.encode(data, params);
      },
    };
    const data = pseudoRandom("order", 9 * BLOCK_SIZE);
    const store = memoryStore();
    const reference = await uploadData([data], { onBlock: memoryStore().sink, erasure: { k: 2, m: 1 } });
    const result = await uploadData([data], {
      onBlock: store.sink,
      erasure: { k: 2, m: 1 },
      stripeEncoder: slow,
      maxStripesInFlight: 3,
    });
    expect(result.manifestCid?.equals(reference.manifestCid as CID)).toBe(true);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });

  it("hands the encoder the importer's digests of full leaves, which match their bytes", async () => {
    const local = await createLocalStripeEncoder();
    const { createHash } = await import("node:crypto");
    const sha256 = (block: Uint8Array) => createHash("sha256").update(block).digest();
    const checking = checkingEncoder(local, "digests", sha256);
    // The same encoder without the digests: everything hashed, as before they were passed.
    const hashingAll = {
      encode: (data: Uint8Array, params: Parameters<typeof local.encode>[1]) => local.encode(data, params),
    };
    // Several pieces per read, and a partial last leaf (never given: it is padded in its stripe).
    const data = pseudoRandom("known", 23 * BLOCK_SIZE + 777);
    const source = pieces(data, [100_000, 65_536]);
    const result = await uploadData(source, {
      onBlock: () => {},
      erasure: { k: 4, m: 2 },
      stripeEncoder: checking.encoder,
    });
    const reference = await uploadData(pieces(data, [100_000, 65_536]), {
      onBlock: () => {},
      erasure: { k: 4, m: 2 },
      stripeEncoder: hashingAll,
    });
    expect(checking.counts.given).toBeGreaterThan(0);
    expect(checking.counts.wrong).toBe(0);
    expect(result.manifestCid?.equals(reference.manifestCid as CID)).toBe(true);
  });

  it("roots some data blocks itself while the encoder is behind, as the encoder would", async () => {
    const hasher = await createCellHasher();
    const root = (block: Uint8Array) => hasher.subtreeRoots(block, BLOCK_SIZE, 256);
    // Slower than the upload reads: every stripe slot is busy when the next is handed over.
    const behind = checkingEncoder(await createLocalStripeEncoder(), "roots", root, 20);
    const data = pseudoRandom("behind", 41 * BLOCK_SIZE + 999);
    const reference = await uploadData([data], { onBlock: () => {}, erasure: { k: 4, m: 2 } });
    const result = await uploadData(pieces(data, [100_000, 65_536]), {
      onBlock: () => {},
      erasure: { k: 4, m: 2 },
      stripeEncoder: behind.encoder,
    });
    expect(behind.counts.given).toBeGreaterThan(4);
    expect(behind.counts.wrong).toBe(0);
    expect(result.manifestCid?.equals(reference.manifestCid as CID)).toBe(true);
  });

  it("uses given roots as they are, roots the other blocks, and refuses malformed ones", async () => {
    const encode = await stripeOf("roots", 4, 2);
    const marker = new Uint8Array(32).fill(9);
    const plain = await encode();
    // Given for blocks 1 and 3: blocks 0 and 2 are separate runs the encoder roots itself.
    const done = await encode({ roots: [undefined, marker, undefined, marker] });
    const root = (stripe: { blockRoots: Uint8Array }, i: number) =>
      stripe.blockRoots.subarray(i * 32, (i + 1) * 32);
    for (const i of [1, 3]) expect(root(done, i)).toEqual(marker);
    for (const i of [0, 2, 4, 5]) expect(root(done, i)).toEqual(root(plain, i));
    await expect(encode({ roots: [new Uint8Array(33)] })).rejects.toMatchObject({
      name: "InvalidParameterError",
      field: "known.roots",
    });
    await expect(encode({ roots: Array(5).fill(marker) })).rejects.toMatchObject({ field: "known.roots" });
  });

  it("uses a given digest as is and refuses a malformed one", async () => {
    const encode = await stripeOf("given", 2, 1);
    const marker = new Uint8Array(32).fill(7);
    const done = await encode({ digests: [marker] });
    expect(done.digests.subarray(0, 32)).toEqual(marker);
    const plain = await encode();
    expect(done.digests.subarray(32)).toEqual(plain.digests.subarray(32));
    await expect(encode({ digests: [new Uint8Array(31)] })).rejects.toMatchObject({
      name: "InvalidParameterError",
      field: "known.digests",
    });
    await expect(encode({ digests: [marker, marker, marker] })).rejects.toMatchObject({
      field: "known.digests",
    });
  });

  it("fails with the encoder's or the sink's error, and names bad parameters", async () => {
    const failing = { encode: async () => Promise.reject(new Error("encoder broke")) };
    await expect(
      uploadData([new Uint8Array(5 * BLOCK_SIZE)], {
        onBlock: () => {},
        erasure: { k: 2, m: 1 },
        stripeEncoder: failing,
      }),
    ).rejects.toThrow("encoder broke");
    await expect(
      uploadData([new Uint8Array(10)], {
        onBlock: () => {
          throw new Error("disk full");
        },
      }),
    ).rejects.toThrow("disk full");
    await expect(uploadData([], { onBlock: () => {}, erasure: { k: 0, m: 1 } })).rejects.toMatchObject({
      field: "k",
    });
    await expect(
      uploadData([], { onBlock: () => {}, erasure: { k: 2, m: 1, cellSize: 300 } }),
    ).rejects.toMatchObject({
      name: "InvalidParameterError",
    });
    await expect(
      uploadData([], { onBlock: () => {}, erasure: { k: 2, m: 1 }, maxStripesInFlight: 0 }),
    ).rejects.toMatchObject({ field: "maxStripesInFlight" });
  });
});
