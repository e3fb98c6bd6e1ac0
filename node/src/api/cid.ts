/**
 * Strict CID parsing for paths. A CID names content, never a file path: only the
 * multibase alphabets' characters pass, then multiformats must decode it, and only the
 * codecs and hash this node stores are accepted. `../etc/passwd` and friends fail the first
 * check and never reach the block store.
 */
import * as dagCbor from "@ipld/dag-cbor";
import * as dagPb from "@ipld/dag-pb";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { MAX_CID_LENGTH } from "./constants.ts";
import { InvalidParameterApiError } from "./errors.ts";

/** Letters and digits only: every multibase this accepts (base32, base58btc, base36) fits. */
const CID_CHARS = /^[A-Za-z0-9]+$/;

/** Codecs of blocks the node holds: UnixFS leaves and nodes, and dataset manifests. */
export const SUPPORTED_CODECS: ReadonlyMap<number, string> = new Map([
  [raw.code, "raw"],
  [dagPb.code, "dag-pb"],
  [dagCbor.code, "dag-cbor"],
]);

/** The identity multihash: the "block" is the digest itself, nothing is stored. */
const IDENTITY_CODE = 0x00;

export interface ParseCidOptions {
  /** Accept identity CIDs (the gateway's `bafkqaaa` probe). @default false */
  allowIdentity?: boolean;
}

/** Parses a CID from a request, naming `field` when it is not one this node can hold. */
export function parseCid(value: unknown, field = "cid", options: ParseCidOptions = {}): CID {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidParameterApiError(field, `${field} is required`);
  }
  if (value.length > MAX_CID_LENGTH || !CID_CHARS.test(value)) {
    throw new InvalidParameterApiError(field, `${field} is not a CID`);
  }
  let cid: CID;
  try {
    cid = value.startsWith("k") ? CID.parse(value, base36) : CID.parse(value);
  } catch {
    throw new InvalidParameterApiError(field, `${field} is not a CID`);
  }
  if (!SUPPORTED_CODECS.has(cid.code)) {
    throw new InvalidParameterApiError(
      field,
      `${field} has codec 0x${cid.code.toString(16)}; this node holds raw, dag-pb and dag-cbor blocks`,
    );
  }
  if (options.allowIdentity === true && cid.multihash.code === IDENTITY_CODE) return cid.toV1();
  if (cid.multihash.code !== sha256.code) {
    throw new InvalidParameterApiError(field, `${field} must use a sha2-256 multihash`);
  }
  return cid.toV1();
}
