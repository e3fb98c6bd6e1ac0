/**
 * Ids and periods as the contracts derive them (contracts/types/). Isomorphic.
 *
 * - A request id is `keccak256(abi.encode(client, nonce))` with its low 16 bits cleared.
 * - A slot id is its request id with the slot index in those 16 bits.
 * - A channel id is `keccak256(abi.encode(sender, n))` for the sender's n-th channel.
 * - Period p covers blocks [p * periodBlocks, (p + 1) * periodBlocks).
 */
import { type Address, encodeAbiParameters, type Hex, keccak256, numberToHex } from "viem";

const INDEX_MASK = 0xffffn;
const MAX_SLOTS = 0x10000;

/** The id of the request `client` makes with `nonce`. */
export function requestIdOf(client: Address, nonce: Hex): Hex {
  const hash = BigInt(
    keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [client, nonce])),
  );
  return numberToHex(hash & ~INDEX_MASK, { size: 32 });
}

/** The id of slot `index` of request `requestId`. */
export function slotIdOf(requestId: Hex, index: number): Hex {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SLOTS)
    throw new RangeError(`bad slot index ${index}`);
  return numberToHex(BigInt(requestId) | BigInt(index), { size: 32 });
}

/** The request a slot belongs to, and its index there. */
export function splitSlotId(slotId: Hex): { requestId: Hex; index: number } {
  const value = BigInt(slotId);
  return { requestId: numberToHex(value & ~INDEX_MASK, { size: 32 }), index: Number(value & INDEX_MASK) };
}

/** The id of `sender`'s channel number `nonce` (from 0). */
export function channelIdOf(sender: Address, nonce: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [sender, nonce]));
}

/** The period that block `blockNumber` falls in. */
export function periodOf(blockNumber: bigint, periodBlocks: bigint): bigint {
  return blockNumber / periodBlocks;
}

/** The first block of `period`, whose hash is the period's seed. */
export function periodFirstBlock(period: bigint, periodBlocks: bigint): bigint {
  return period * periodBlocks;
}
