/**
 * The registry stores a libp2p peer id as bytes (its multihash). People paste the text form
 * (`12D3KooW…`, `Qm…`: base58btc without a multibase prefix) or hex.
 */
import { base58btc } from "multiformats/bases/base58";
import { type Hex, bytesToHex, hexToBytes, isHex } from "viem";

export class InvalidPeerIdError extends Error {
  override name = "InvalidPeerIdError";
}

export function peerIdToBytes(text: string): Hex {
  const value = text.trim();
  if (isHex(value) && value.length > 2) return value;
  try {
    return bytesToHex(base58btc.baseDecode(value));
  } catch {
    throw new InvalidPeerIdError(`"${value}" is not a peer id (base58 like 12D3KooW… or 0x-hex)`);
  }
}

export function peerIdToText(bytes: Hex): string {
  return base58btc.baseEncode(hexToBytes(bytes));
}
