/**
 * Deploys the three contracts as the Ignition module does (the market holding the
 * registry's MARKET_ROLE), with the test config, and names the dev accounts by role.
 * Each test file builds its one fixture on top of this and loads it with `loadFixture`.
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { ContractReturnType, WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import { type MarketConfigArg, TEST_MARKET_CONFIG, TEST_REGISTRY_CONFIG } from "./config.ts";
import {
  EXAMPLE_MULTIADDRS,
  EXAMPLE_PEER_ID,
  type ExampleRequest,
  exampleOffer,
  type OfferArg,
} from "./examples.ts";
import { type ChainClock, latestTime, provablePeriod } from "./chain.ts";
import { proofFor } from "./slots.ts";

export const MARKET_ROLE: Hex = keccak256(toHex("MARKET_ROLE"));

export type Registry = ContractReturnType<"ProviderRegistry">;
export type Market = ContractReturnType<"StorageMarket">;
export type Channels = ContractReturnType<"PaymentChannels">;

export interface Cairn extends ChainClock {
  connection: NetworkConnection;
  registry: Registry;
  market: Market;
  channels: Channels;
  deployer: WalletClient;
  validator: WalletClient;
  /** provider1 to provider6, then three more funded accounts that can act as providers. */
  providers: WalletClient[];
  clients: WalletClient[];
}

export interface DeployOptions {
  marketConfig?: Partial<MarketConfigArg>;
}

/** Deploys registry, market and channels; grants the market its role. */
export async function deployCairn(
  connection: NetworkConnection,
  options: DeployOptions = {},
): Promise<Cairn> {
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const at = (index: number): WalletClient => {
    const wallet = wallets[index];
    if (wallet === undefined) throw new Error(`the chain has no account ${index}`);
    return wallet;
  };
  const deployer = at(0);
  const marketConfig = { ...TEST_MARKET_CONFIG, ...options.marketConfig };
  const registry = await viem.deployContract("ProviderRegistry", [
    TEST_REGISTRY_CONFIG,
    deployer.account.address,
  ]);
  const market = await viem.deployContract("StorageMarket", [registry.address, marketConfig]);
  await registry.write.grantRole([MARKET_ROLE, market.address]);
  const channels = await viem.deployContract("PaymentChannels");
  return {
    connection,
    publicClient,
    networkHelpers,
    periodBlocks: marketConfig.periodBlocks,
    registry,
    market,
    channels,
    deployer,
    validator: at(1),
    // provider1..6 are accounts 2..7; client1, client2 are 8, 9; the sealers 10..12.
    providers: [2, 3, 4, 5, 6, 7, 10, 11, 12].map(at),
    clients: [at(8), at(9)],
  };
}

/** Registers `providers` with `stake` and an offer, then waits out the activation delay. */
export async function registerProviders(
  cairn: Cairn,
  providers: readonly WalletClient[],
  { stake = parseEther("10"), offer = exampleOffer() }: { stake?: bigint; offer?: OfferArg } = {},
): Promise<void> {
  for (const provider of providers) {
    await cairn.registry.write.register([offer, EXAMPLE_PEER_ID, EXAMPLE_MULTIADDRS], {
      account: provider.account,
      value: stake,
    });
  }
  await cairn.networkHelpers.time.increase(TEST_REGISTRY_CONFIG.activationDelay);
}

/** Sends `example` from `client` and returns its id. */
export async function sendRequest(cairn: Cairn, client: WalletClient, example: ExampleRequest): Promise<Hex> {
  await cairn.market.write.requestStorage([example.request], {
    account: client.account,
    value: example.escrow,
  });
  return example.idFor(client.account.address);
}

/** A request sent by `client` with its slots, for the helpers below. */
export interface SentRequest {
  example: ExampleRequest;
  client: Address;
  requestId: Hex;
  slotId(index: number): Hex;
}

export function sent(example: ExampleRequest, client: WalletClient): SentRequest {
  const address = client.account.address;
  return {
    example,
    client: address,
    requestId: example.idFor(address),
    slotId: (index) => example.slotIdFor(address, index),
  };
}

/** `provider` fills slot `index` with a proof for the period its transaction lands in. */
export async function fillSlot(
  cairn: Cairn,
  request: SentRequest,
  index: number,
  provider: WalletClient,
): Promise<Hex> {
  const tree = request.example.trees[index];
  if (tree === undefined) throw new Error(`the request has no slot ${index}`);
  const slotId = request.slotId(index);
  const { period, seed } = await provablePeriod(cairn);
  return cairn.market.write.fillSlot([slotId, toHex(tree.root), proofFor(tree, slotId, period, seed)], {
    account: provider.account,
  });
}

/** Fills every slot of `request`, slot i by `providers[i]`. */
export async function fillAll(
  cairn: Cairn,
  request: SentRequest,
  providers: readonly WalletClient[],
): Promise<void> {
  for (let i = 0; i < request.example.trees.length; i++) {
    const provider = providers[i];
    if (provider === undefined) throw new Error(`no provider for slot ${i}`);
    await fillSlot(cairn, request, i, provider);
  }
}

/** `provider` proves the slots at `indices` of `request` in one `submitProofs`. */
export async function submitProofs(
  cairn: Cairn,
  request: SentRequest,
  indices: readonly number[],
  provider: WalletClient,
): Promise<Hex> {
  const { period, seed } = await provablePeriod(cairn);
  const proofs = indices.map((index) => {
    const tree = request.example.trees[index];
    if (tree === undefined) throw new Error(`the request has no slot ${index}`);
    const slotId = request.slotId(index);
    return { slotId, proof: proofFor(tree, slotId, period, seed) };
  });
  return cairn.market.write.submitProofs([proofs], { account: provider.account });
}

/** The chain's time, for a request's expiry. */
export const now = (cairn: Cairn): Promise<bigint> => latestTime(cairn);
