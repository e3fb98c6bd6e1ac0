/**
 * A slot's proof duty in a period, derived from the period's seed exactly as StorageMarket
 * derives it (contracts/libraries/Sampling.sol):
 *
 * - required: `uint256(keccak256(abi.encode(seed, slotId))) % probability == 0`;
 * - sample i: `uint256(keccak256(abi.encode(seed, slotId, i))) % numCells`.
 *
 * Isomorphic: runs unchanged in the browser.
 */
import { encodeAbiParameters, type Hex, keccak256 } from "viem";

const SEED_AND_SLOT = [{ type: "bytes32" }, { type: "bytes32" }] as const;
const SEED_SLOT_AND_SAMPLE = [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }] as const;

/** Whether `slotId` must prove in the period with `seed`, given the request's `proofProbability`. */
export function isProofRequired(seed: Hex, slotId: Hex, probability: number | bigint): boolean {
  const modulus = BigInt(probability);
  if (modulus < 1n) throw new RangeError(`proof probability must be at least 1, got ${probability}`);
  return BigInt(keccak256(encodeAbiParameters(SEED_AND_SLOT, [seed, slotId]))) % modulus === 0n;
}

/** The cell that sample `sample` of `slotId` must show in the period with `seed`. */
export function cellIndex(seed: Hex, slotId: Hex, sample: number, numCells: number): number {
  if (numCells < 1) throw new RangeError(`a slot has at least one cell, got ${numCells}`);
  const hash = keccak256(encodeAbiParameters(SEED_SLOT_AND_SAMPLE, [seed, slotId, BigInt(sample)]));
  return Number(BigInt(hash) % BigInt(numCells));
}

/** The cells of all `samples` samples, in order (StorageMarket's `proofSamples`). */
export function cellIndices(seed: Hex, slotId: Hex, samples: number, numCells: number): number[] {
  return Array.from({ length: samples }, (_, sample) => cellIndex(seed, slotId, sample, numCells));
}
