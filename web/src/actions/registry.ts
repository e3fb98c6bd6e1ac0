/**
 * Provider actions on the ProviderRegistry: register, stake, unbond, offer, pause. Each is
 * `verbNoun(config, params, onStatus)` and goes through sendContractTransaction.
 */
import { type Config, getChainId, readContract } from "@wagmi/core";
import type { Address, Hex } from "viem";
import { contractOf } from "../contracts/index.ts";
import { encodeOffer, type Offer } from "../lib/offer.ts";
import { type OnStatus, sendContractTransaction } from "./send-contract-transaction.ts";

const registry = (config: Config) => contractOf("ProviderRegistry", getChainId(config));

export interface RegisterProviderParams {
  offer: Offer;
  /** The node's peer id bytes (lib/peer-id.ts). */
  peerId: Hex;
  /** libp2p multiaddrs plus the API URL as an HTTP multiaddr (lib/multiaddr.ts). */
  multiaddrs: string[];
  /** The first stake, at least the registry's minStake, in wei. */
  stake: bigint;
}

export function registerProvider(config: Config, params: RegisterProviderParams, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    {
      ...registry(config),
      functionName: "register",
      args: [encodeOffer(params.offer), params.peerId, params.multiaddrs],
      value: params.stake,
    },
    onStatus,
  );
}

export function addStake(config: Config, params: { amount: bigint }, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    { ...registry(config), functionName: "addStake", args: [], value: params.amount },
    onStatus,
  );
}

export function requestWithdrawal(config: Config, params: { amount: bigint }, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    { ...registry(config), functionName: "requestWithdrawal", args: [params.amount] },
    onStatus,
  );
}

/** Withdraws the queued exit once its unbonding period is over. */
export function withdrawStake(config: Config, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    { ...registry(config), functionName: "withdraw", args: [] },
    onStatus,
  );
}

export function updateOffer(config: Config, params: { offer: Offer }, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    { ...registry(config), functionName: "updateOffer", args: [encodeOffer(params.offer)] },
    onStatus,
  );
}

export function updateEndpoints(
  config: Config,
  params: { peerId: Hex; multiaddrs: string[] },
  onStatus?: OnStatus,
) {
  return sendContractTransaction(
    config,
    { ...registry(config), functionName: "updateEndpoints", args: [params.peerId, params.multiaddrs] },
    onStatus,
  );
}

export function pauseProvider(config: Config, onStatus?: OnStatus) {
  return sendContractTransaction(config, { ...registry(config), functionName: "pause", args: [] }, onStatus);
}

export function resumeProvider(config: Config, onStatus?: OnStatus) {
  return sendContractTransaction(config, { ...registry(config), functionName: "resume", args: [] }, onStatus);
}

/** The provider's on-chain record (stake, collateral, exit, activation, flags). */
export function readProviderInfo(config: Config, params: { provider: Address }) {
  return readContract(config, {
    ...registry(config),
    functionName: "providerInfo",
    args: [params.provider],
  });
}

export function readProviderOffer(config: Config, params: { provider: Address }) {
  return readContract(config, { ...registry(config), functionName: "offerOf", args: [params.provider] });
}

export function readRegistryConfig(config: Config) {
  return readContract(config, { ...registry(config), functionName: "config" });
}
