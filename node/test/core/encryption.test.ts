import { describe, expect, it } from "vitest";
import {
  decryptStream,
  encryptedSize,
  encryptStream,
  generateEncryptionKey,
  HEADER_SIZE,
  TAG_SIZE,
} from "../../src/core/encryption.ts";
import { collect, pieces, pseudoRandom } from "./helpers.ts";

const SEGMENT = 4096;

async function encrypt(data: Uint8Array, key: Uint8Array) {
  return collect(encryptStream(pieces(data, [1, 5000, 4096, 333]), key, { segmentSize: SEGMENT }));
}

describe("encryption", () => {
  it.each([0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 100_000])(
    "round-trips %i bytes",
    async (size) => {
      const key = generateEncryptionKey();
      const data = pseudoRandom(`enc-${size}`, size);
      const sealed = await encrypt(data, key);
      expect(sealed.length).toBe(encryptedSize(size, SEGMENT));
      const opened = await collect(decryptStream(pieces(sealed, [7, 4112, 1, 9000]), key));
      expect(Buffer.from(opened).equals(Buffer.from(data))).toBe(true);
    },
  );

  it("uses a fresh IV prefix per file, so equal files encrypt differently", async () => {
    const key = generateEncryptionKey();
    const data = pseudoRandom("twice", 1000);
    expect(Buffer.from(await encrypt(data, key)).equals(Buffer.from(await encrypt(data, key)))).toBe(false);
  });

  it("fails cleanly on a wrong key, yielding no plaintext", async () => {
    const sealed = await encrypt(pseudoRandom("wrong", 10_000), generateEncryptionKey());
    const yielded: Uint8Array[] = [];
    await expect(
      (async () => {
        for await (const part of decryptStream([sealed], generateEncryptionKey())) yielded.push(part);
      })(),
    ).rejects.toMatchObject({ name: "DecryptionError" });
    expect(yielded).toEqual([]);
  });

  it("detects truncation, reordering, a flipped bit and a changed header", async () => {
    const key = generateEncryptionKey();
    const sealed = await encrypt(pseudoRandom("tamper", 3 * SEGMENT + 10), key);
    const sealedSegment = SEGMENT + TAG_SIZE;
    const open = (bytes: Uint8Array) => collect(decryptStream([bytes], key));
    // Dropping the last segment leaves a non-final one last.
    await expect(open(sealed.subarray(0, HEADER_SIZE + 3 * sealedSegment))).rejects.toMatchObject({
      name: "DecryptionError",
    });
    const swapped = sealed.slice();
    swapped.set(sealed.subarray(HEADER_SIZE, HEADER_SIZE + sealedSegment), HEADER_SIZE + sealedSegment);
    swapped.set(sealed.subarray(HEADER_SIZE + sealedSegment, HEADER_SIZE + 2 * sealedSegment), HEADER_SIZE);
    await expect(open(swapped)).rejects.toMatchObject({ name: "DecryptionError" });
    const flipped = sealed.slice();
    flipped[HEADER_SIZE + 5] = (flipped[HEADER_SIZE + 5] ?? 0) ^ 1;
    await expect(open(flipped)).rejects.toMatchObject({ name: "DecryptionError" });
    const header = sealed.slice();
    header[13] = (header[13] ?? 0) ^ 1; // a prefix byte: authenticated as AAD and in the IV
    await expect(open(header)).rejects.toMatchObject({ name: "DecryptionError" });
  });

  it("names data that is not in the format, and bad keys and options", async () => {
    const key = generateEncryptionKey();
    await expect(collect(decryptStream([new Uint8Array(10)], key))).rejects.toMatchObject({
      name: "EncryptionFormatError",
    });
    await expect(collect(decryptStream([new Uint8Array(40)], key))).rejects.toMatchObject({
      name: "EncryptionFormatError",
    });
    const sealed = await encrypt(new Uint8Array(10), key);
    const badVersion = sealed.slice();
    badVersion[4] = 9;
    await expect(collect(decryptStream([badVersion], key))).rejects.toMatchObject({
      name: "EncryptionFormatError",
    });
    const badSize = sealed.slice();
    badSize.set([0xff, 0xff, 0xff, 0xff], 8);
    await expect(collect(decryptStream([badSize], key))).rejects.toMatchObject({
      name: "EncryptionFormatError",
    });
    await expect(collect(encryptStream([new Uint8Array(1)], new Uint8Array(16)))).rejects.toMatchObject({
      name: "InvalidParameterError",
      field: "key",
    });
    await expect(collect(encryptStream([new Uint8Array(1)], key, { segmentSize: 10 }))).rejects.toMatchObject(
      {
        field: "segmentSize",
      },
    );
  });
});
