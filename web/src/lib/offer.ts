/**
 * A provider's offer as the form edits it (labels as text), and its on-chain encoding: the
 * node's core does both, checking what the registry would refuse (labels over 16 bytes, a
 * zero capacity, a minimum duration above the maximum) with the field named.
 */
import { decodeOfferLabel, encodeOffer, type OfferInput } from "@cairn/node/core";
import type { Hex } from "viem";

export type Offer = OfferInput;
export { encodeOffer };

/** A label as the chain (bytes16 hex) or the subgraph (text already) returns it, as text. */
export function decodeLabel(label: Hex | string): string {
  return label.startsWith("0x") ? decodeOfferLabel(label as Hex) : label;
}
