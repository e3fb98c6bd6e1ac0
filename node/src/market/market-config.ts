import type { Address, PublicClient } from "viem";
import { storageMarketAbi } from "../generated/contracts.ts";

/** The parts of StorageMarket's fixed config that proving and marking depend on. */
export interface MarketTiming {
  /** Blocks per period. */
  periodBlocks: bigint;
  /** Blocks after a period's end in which its misses can be marked. */
  markingWindow: bigint;
  /** Cells per proof (S). */
  proofSamples: number;
  /** Bytes per cell. */
  cellSize: number;
}

/** Reads the market's config once: it is fixed at deploy. */
export async function readMarketTiming(client: PublicClient, market: Address): Promise<MarketTiming> {
  const config = await client.readContract({
    address: market,
    abi: storageMarketAbi,
    functionName: "config",
  });
  return {
    periodBlocks: BigInt(config.periodBlocks),
    markingWindow: BigInt(config.markingWindow),
    proofSamples: Number(config.proofSamples),
    cellSize: Number(config.cellSize),
  };
}

/** The first block of `period` (its hash is the seed) and its last block. */
export function periodBounds(
  period: bigint,
  timing: Pick<MarketTiming, "periodBlocks">,
): { first: bigint; last: bigint } {
  const first = period * timing.periodBlocks;
  return { first, last: first + timing.periodBlocks - 1n };
}
