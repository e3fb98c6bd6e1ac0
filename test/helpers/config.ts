/** The config the contract tests deploy with: the devnet's, with faster periods. */
import { parseEther } from "viem";

/** `IProviderRegistry.RegistryConfig`, as viem takes it. */
export interface RegistryConfigArg {
  minStake: bigint;
  activationDelay: bigint;
  unbondingPeriod: bigint;
}

/** `IStorageMarket.MarketConfig`, as viem takes it. */
export interface MarketConfigArg {
  periodBlocks: bigint;
  markingWindow: bigint;
  proofSamples: number;
  cellSize: number;
  slashPercentage: number;
  validatorRewardPercentage: number;
  maxMissedProofs: number;
  repairRewardPercentage: number;
  maxDuration: bigint;
  maxSlots: number;
  minSlotSize: bigint;
  maxSlotSize: bigint;
}

export const TEST_REGISTRY_CONFIG: Readonly<RegistryConfigArg> = {
  minStake: parseEther("1"),
  activationDelay: 60n,
  unbondingPeriod: 3600n,
};

export const TEST_MARKET_CONFIG: Readonly<MarketConfigArg> = {
  periodBlocks: 10n,
  markingWindow: 10n,
  proofSamples: 8,
  cellSize: 256,
  slashPercentage: 10,
  validatorRewardPercentage: 20,
  maxMissedProofs: 3,
  repairRewardPercentage: 10,
  maxDuration: 30n * 86_400n,
  maxSlots: 16,
  minSlotSize: 262_144n,
  maxSlotSize: 2n ** 30n,
};
