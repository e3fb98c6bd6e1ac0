/**
 * Moving Hardhat's chain through proof periods. Automine puts each transaction in its own
 * block, the one after the latest; so "the next transaction's block" decides its period.
 */
import type { Hex } from "viem";
import type { PublicClient } from "@nomicfoundation/hardhat-viem/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";

export interface ChainClock {
  publicClient: PublicClient;
  networkHelpers: NetworkHelpers;
  periodBlocks: bigint;
}

/** The block the next transaction will be mined in. */
export async function nextTxBlock(clock: ChainClock): Promise<bigint> {
  return (await clock.publicClient.getBlockNumber()) + 1n;
}

/** Mines empty blocks so that the next transaction lands in block `block`. */
export async function landNextTxAt(clock: ChainClock, block: bigint): Promise<void> {
  const next = await nextTxBlock(clock);
  if (block < next) throw new Error(`block ${block} is already mined (next is ${next})`);
  if (block > next) await clock.networkHelpers.mine(block - next);
}

/** The seed of `period`: the hash of its first block, which must be mined. */
export async function seedOf(clock: ChainClock, period: bigint): Promise<Hex> {
  const block = await clock.publicClient.getBlock({ blockNumber: period * clock.periodBlocks });
  return block.hash;
}

/**
 * Makes sure the next transaction lands where its period's seed is readable (not in the
 * period's first block) and returns that period and its seed.
 */
export async function provablePeriod(clock: ChainClock): Promise<{ period: bigint; seed: Hex }> {
  let next = await nextTxBlock(clock);
  if (next % clock.periodBlocks === 0n) {
    await clock.networkHelpers.mine(1);
    next += 1n;
  }
  const period = next / clock.periodBlocks;
  return { period, seed: await seedOf(clock, period) };
}

/** Mines to `period`'s second block (its seed readable) and returns the seed. */
export async function enterPeriod(clock: ChainClock, period: bigint): Promise<Hex> {
  await landNextTxAt(clock, period * clock.periodBlocks + 1n);
  return seedOf(clock, period);
}

/** The period of the next transaction. */
export async function nextTxPeriod(clock: ChainClock): Promise<bigint> {
  return (await nextTxBlock(clock)) / clock.periodBlocks;
}

/** Mines so the next transaction lands in the first block after `period`. */
export async function endPeriod(clock: ChainClock, period: bigint): Promise<void> {
  await landNextTxAt(clock, (period + 1n) * clock.periodBlocks);
}

/** The chain's latest block time, in unix seconds. */
export async function latestTime(clock: ChainClock): Promise<bigint> {
  return (await clock.publicClient.getBlock()).timestamp;
}
