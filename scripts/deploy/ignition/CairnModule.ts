/**
 * The one Ignition module that deploys Cairn's contracts with the devnet config:
 * ProviderRegistry, StorageMarket (granted the registry's MARKET_ROLE, after which the
 * deployer renounces its admin role, so the grant happens once) and PaymentChannels.
 *
 * The devnet runs 2 s blocks. Its config is chosen for a local network where a person
 * watches a whole deal happen; docs/contracts.md explains each value.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { keccak256, parseEther, toHex, zeroHash } from "viem";

/** The contracts this module deploys; the generate step writes an ABI for each. */
export const DEPLOYED_CONTRACTS = ["ProviderRegistry", "StorageMarket", "PaymentChannels"] as const;
export type DeployedContract = (typeof DEPLOYED_CONTRACTS)[number];

/** `IProviderRegistry.RegistryConfig` on the devnet. */
export const DEVNET_REGISTRY_CONFIG = {
  /** wei: enough to back the collateral of a few GiB of devnet slots. */
  minStake: parseEther("1"),
  /** seconds from registration until a provider may take slots (production: a day or more). */
  activationDelay: 60n,
  /** seconds a queued exit waits, long enough for a pending slash to land. */
  unbondingPeriod: 3600n,
} as const;

/** `IStorageMarket.MarketConfig` on the devnet. */
export const DEVNET_MARKET_CONFIG = {
  /** blocks per period: 30 s at 2 s blocks; a proof needs about 3 blocks from the seed. */
  periodBlocks: 15n,
  /** blocks after a period's end in which a miss can be marked: one more period. */
  markingWindow: 15n,
  /** cells per proof. */
  proofSamples: 8,
  /** bytes per cell: the cheapest proofs (docs/contracts.md, gas by cell size). */
  cellSize: 256,
  /** percent of a slot's collateral per missed proof. */
  slashPercentage: 10,
  /** percent of a slash to the marker. */
  validatorRewardPercentage: 20,
  /** misses before the slot is freed. */
  maxMissedProofs: 3,
  /** percent off the collateral for a repair. */
  repairRewardPercentage: 10,
  /** seconds: one year. */
  maxDuration: 365n * 24n * 3600n,
  /** slots per request. */
  maxSlots: 64,
  /** bytes: one 256 KiB block. */
  minSlotSize: 262_144n,
  /** bytes: 64 GiB. */
  maxSlotSize: 64n * 2n ** 30n,
} as const;

export const MARKET_ROLE = keccak256(toHex("MARKET_ROLE"));
const DEFAULT_ADMIN_ROLE = zeroHash;

export default buildModule("Cairn", (m) => {
  const deployer = m.getAccount(0);
  const registry = m.contract("ProviderRegistry", [DEVNET_REGISTRY_CONFIG, deployer]);
  const market = m.contract("StorageMarket", [registry, DEVNET_MARKET_CONFIG]);
  const grant = m.call(registry, "grantRole", [MARKET_ROLE, market]);
  m.call(registry, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], { after: [grant] });
  const channels = m.contract("PaymentChannels");
  return { ProviderRegistry: registry, StorageMarket: market, PaymentChannels: channels };
});
