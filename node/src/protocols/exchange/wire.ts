/**
 * Conversions between wire fields and values: amounts as minimal big-endian bytes, and
 * blocks as `{ prefix, data }` that the receiver turns back into a CID by hashing the data.
 * Because the CID is recomputed from the bytes, a block can never be filed under a CID it
 * does not hash to.
 */
import { hash } from "node:crypto";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { varint } from "multiformats";
import { InvalidBlockError, InvalidMessageError } from "./errors.ts";

const SHA2_256 = 0x12;
const SHA2_256_LENGTH = 32;
const DAG_PB = 0x70;

/** An unsigned amount as big-endian bytes without leading zeros; zero is empty. */
export function encodeAmount(amount: bigint): Uint8Array<ArrayBuffer> {
  if (amount < 0n) throw new RangeError("amounts are unsigned");
  if (amount === 0n) return new Uint8Array(0);
  let hex = amount.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** Reads an amount; more than 32 bytes (a uint256) is a malformed message. */
export function decodeAmount(bytes: Uint8Array): bigint {
  if (bytes.byteLength === 0) return 0n;
  if (bytes.byteLength > 32)
    throw new InvalidMessageError(`amount of ${bytes.byteLength} bytes exceeds uint256`);
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`);
}

/** Parses a CID from a message; a bad one is a malformed message. */
export function decodeCid(bytes: Uint8Array): CID {
  try {
    return CID.decode(bytes);
  } catch (err) {
    throw new InvalidMessageError("invalid CID in message", { cause: err });
  }
}

/** The bitswap 1.1 prefix: CID version, codec, multihash code and digest length, as varints. */
export function cidPrefix(cid: CID): Uint8Array<ArrayBuffer> {
  const fields = [cid.version, cid.code, cid.multihash.code, cid.multihash.size];
  const out = new Uint8Array(fields.reduce((n, f) => n + varint.encodingLength(f), 0));
  let offset = 0;
  for (const f of fields) {
    varint.encodeTo(f, out, offset);
    offset += varint.encodingLength(f);
  }
  return out;
}

/**
 * The CID of a received block: its prefix plus the hash of its data. Only sha2-256 is
 * accepted; it is what the store verifies and what Cairn's importer produces.
 */
export function cidOfBlock(prefix: Uint8Array, data: Uint8Array): CID {
  const fields: number[] = [];
  let offset = 0;
  try {
    for (let i = 0; i < 4; i++) {
      const [value, length] = varint.decode(prefix, offset);
      fields.push(value);
      offset += length;
    }
  } catch (err) {
    throw new InvalidBlockError("malformed block prefix", { cause: err });
  }
  const [version, codec, hashCode, hashLength] = fields as [number, number, number, number];
  if (offset !== prefix.byteLength) throw new InvalidBlockError("trailing bytes after the block prefix");
  if (hashCode !== SHA2_256 || hashLength !== SHA2_256_LENGTH) {
    throw new InvalidBlockError(`unsupported block hash 0x${hashCode.toString(16)}/${hashLength}`);
  }
  if (version !== 1 && !(version === 0 && codec === DAG_PB)) {
    throw new InvalidBlockError(`unsupported CID version ${version} with codec 0x${codec.toString(16)}`);
  }
  const digest = createDigest(SHA2_256, hash("sha256", data, "buffer"));
  return version === 0 ? CID.createV0(digest as never) : CID.createV1(codec, digest);
}
