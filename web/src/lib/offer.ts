/** A provider's offer as the form edits it, and its on-chain encoding (bytes16 labels). */
import { type Hex, hexToString, stringToHex } from "viem";

export interface Offer {
  /** Wei per byte per second. */
  pricePerBytePerSecond: bigint;
  /** Wei of collateral per byte of slot the provider is willing to lock. */
  maxCollateralPerByte: bigint;
  /** Seconds. */
  minDuration: bigint;
  maxDuration: bigint;
  /** Bytes offered; also the largest slot accepted. */
  capacity: bigint;
  region: string;
  infrastructure: string;
}

/** The registry's `Offer` struct. Labels longer than 16 bytes do not fit a bytes16. */
export function encodeOffer(offer: Offer) {
  return {
    pricePerBytePerSecond: offer.pricePerBytePerSecond,
    maxCollateralPerByte: offer.maxCollateralPerByte,
    minDuration: offer.minDuration,
    maxDuration: offer.maxDuration,
    capacity: offer.capacity,
    region: stringToHex(offer.region, { size: 16 }),
    infrastructure: stringToHex(offer.infrastructure, { size: 16 }),
  };
}

/** A bytes16 label (as the chain or the subgraph returns it) back to text. */
export function decodeLabel(label: Hex | string): string {
  if (!label.startsWith("0x")) return label;
  return hexToString(label as Hex, { size: 16 }).replace(/\0+$/, "");
}
