/**
 * Optional client-side encryption (data.md): AES-256-GCM over the file before it is
 * chunked, through WebCrypto (`globalThis.crypto.subtle`, in Node 22 and browsers). The key
 * never leaves the client; the manifest only says `encrypted: true`.
 *
 * The format streams in bounded memory: a 20-byte header, then segments that are each
 * sealed on their own (the STREAM construction, as in age and Tink):
 *
 *   header   "CRNE" ‖ version 0x01 ‖ 00 00 00 ‖ segmentSize u32 BE ‖ prefix (7 random B) ‖ 00
 *   segment  AES-256-GCM(key, iv, aad = header, plaintext) = ciphertext ‖ 16 B tag
 *   iv       prefix (7 B) ‖ segment index u32 BE ‖ final (1 B: 0x01 on the last segment, else 0x00)
 *
 * Every segment holds `segmentSize` plaintext bytes except the last, which holds 0 to
 * `segmentSize` (an empty file is one empty final segment). Binding the header as AAD and
 * the index and final flag into the IV makes a wrong key, a changed header, and reordered,
 * dropped, duplicated or truncated segments all fail authentication (`DecryptionError`).
 * The random prefix keeps IVs unique across files encrypted under one key (birthday bound
 * 2^28 files per key).
 */
import { DecryptionError, EncryptionFormatError, InvalidParameterError } from "./errors.ts";
import { concatBytes } from "./util/bytes.ts";

export const ENCRYPTION_MAGIC = new Uint8Array([0x43, 0x52, 0x4e, 0x45]); // "CRNE"
export const ENCRYPTION_VERSION = 1;
export const HEADER_SIZE = 20;
export const TAG_SIZE = 16;
/** Plaintext bytes per segment unless told otherwise. */
export const DEFAULT_SEGMENT_SIZE = 65_536;
/** Segment sizes a reader accepts, bounding the memory it needs. */
export const MIN_SEGMENT_SIZE = 1024;
export const MAX_SEGMENT_SIZE = 16 * 1024 * 1024;
const PREFIX_SIZE = 7;
const KEY_SIZE = 32;

/** A WebCrypto key (named without the DOM lib, which this package does not load). */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** A raw 32-byte key or a WebCrypto AES-GCM key. */
export type EncryptionKey = Uint8Array | WebCryptoKey;

/** A fresh random 256-bit key. */
export function generateEncryptionKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(KEY_SIZE));
}

async function importKey(key: EncryptionKey): Promise<WebCryptoKey> {
  if (!(key instanceof Uint8Array)) return key;
  if (key.length !== KEY_SIZE)
    throw new InvalidParameterError("key", `must be ${KEY_SIZE} bytes, got ${key.length}`);
  return crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

function iv(prefix: Uint8Array, index: number, final: boolean): Uint8Array<ArrayBuffer> {
  if (index > 0xffff_ffff) throw new EncryptionFormatError("too many segments for one file");
  const out = new Uint8Array(12);
  out.set(prefix, 0);
  new DataView(out.buffer).setUint32(PREFIX_SIZE, index);
  out[11] = final ? 1 : 0;
  return out;
}

/** The size of the ciphertext of `plaintextSize` bytes. */
export function encryptedSize(plaintextSize: number, segmentSize = DEFAULT_SEGMENT_SIZE): number {
  const segments = Math.max(1, Math.ceil(plaintextSize / segmentSize));
  return HEADER_SIZE + plaintextSize + segments * TAG_SIZE;
}

export interface EncryptOptions {
  /** @default DEFAULT_SEGMENT_SIZE */
  segmentSize?: number;
}

/** Encrypts a byte stream; holds at most two segments. */
export async function* encryptStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  key: EncryptionKey,
  options: EncryptOptions = {},
): AsyncGenerator<Uint8Array> {
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  if (!Number.isSafeInteger(segmentSize) || segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE)
    throw new InvalidParameterError("segmentSize", `must be in [${MIN_SEGMENT_SIZE}, ${MAX_SEGMENT_SIZE}]`);
  const cryptoKey = await importKey(key);
  const prefix = crypto.getRandomValues(new Uint8Array(PREFIX_SIZE));
  const header = new Uint8Array(HEADER_SIZE);
  header.set(ENCRYPTION_MAGIC, 0);
  header[4] = ENCRYPTION_VERSION;
  new DataView(header.buffer).setUint32(8, segmentSize);
  header.set(prefix, 12);
  yield header;

  const seal = async (plaintext: Uint8Array, index: number, final: boolean) =>
    new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: iv(prefix, index, final), additionalData: header, tagLength: 128 },
        cryptoKey,
        plaintext as Uint8Array<ArrayBuffer>,
      ),
    );

  // One full segment is held back until we know whether it is the last.
  let pending: Uint8Array | undefined;
  let index = 0;
  let buffer = new Uint8Array(segmentSize);
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(segmentSize - filled, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === segmentSize) {
        if (pending) yield await seal(pending, index++, false);
        pending = buffer;
        buffer = new Uint8Array(segmentSize);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !pending) {
    if (pending) yield await seal(pending, index++, false);
    yield await seal(buffer.subarray(0, filled), index, true);
  } else {
    yield await seal(pending, index, true);
  }
}

/** Parses a header; throws `EncryptionFormatError` if it is not one. */
function parseHeader(header: Uint8Array): { segmentSize: number; prefix: Uint8Array } {
  if (header.length < HEADER_SIZE)
    throw new EncryptionFormatError("data is too short for an encryption header");
  for (let i = 0; i < ENCRYPTION_MAGIC.length; i++)
    if (header[i] !== ENCRYPTION_MAGIC[i])
      throw new EncryptionFormatError("data is not Cairn-encrypted (bad magic)");
  if (header[4] !== ENCRYPTION_VERSION)
    throw new EncryptionFormatError(`unknown encryption version ${header[4]}`);
  const segmentSize = new DataView(header.buffer, header.byteOffset, header.length).getUint32(8);
  if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE)
    throw new EncryptionFormatError(`segment size ${segmentSize} is out of range`);
  return { segmentSize, prefix: header.slice(12, 12 + PREFIX_SIZE) };
}

/**
 * Decrypts a stream made by `encryptStream`. Yields each segment's plaintext only once it
 * is authenticated; throws `DecryptionError` on a wrong key or altered data, and
 * `EncryptionFormatError` on data that is not in the format.
 */
export async function* decryptStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  key: EncryptionKey,
): AsyncGenerator<Uint8Array> {
  const cryptoKey = await importKey(key);
  let header: Uint8Array | undefined;
  let parsed: { segmentSize: number; prefix: Uint8Array } | undefined;
  let buffered: Uint8Array[] = [];
  let bufferedLength = 0;
  let index = 0;

  const open = async (sealed: Uint8Array, final: boolean) => {
    if (!parsed || !header) throw new EncryptionFormatError("missing header");
    if (sealed.length < TAG_SIZE) throw new DecryptionError(`segment ${index} is truncated`);
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: iv(parsed.prefix, index++, final),
            additionalData: header as Uint8Array<ArrayBuffer>,
            tagLength: 128,
          },
          cryptoKey,
          sealed as Uint8Array<ArrayBuffer>,
        ),
      );
    } catch {
      throw new DecryptionError(
        `segment ${index - 1} failed authentication: wrong key, or the data was altered or truncated`,
      );
    }
  };

  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    buffered.push(chunk);
    bufferedLength += chunk.length;
    if (!header) {
      if (bufferedLength < HEADER_SIZE) continue;
      const all = concatBytes(buffered);
      header = all.slice(0, HEADER_SIZE);
      parsed = parseHeader(header);
      buffered = [all.subarray(HEADER_SIZE)];
      bufferedLength = all.length - HEADER_SIZE;
    }
    const sealedSize = (parsed?.segmentSize ?? 0) + TAG_SIZE;
    // Keep more than one segment's worth buffered: the last segment is opened as final.
    if (bufferedLength > sealedSize) {
      let all = concatBytes(buffered);
      while (all.length > sealedSize) {
        yield await open(all.subarray(0, sealedSize), false);
        all = all.subarray(sealedSize);
      }
      buffered = [all.slice()];
      bufferedLength = all.length;
    }
  }
  if (!header) throw new EncryptionFormatError("data is too short for an encryption header");
  yield await open(concatBytes(buffered), true);
}
