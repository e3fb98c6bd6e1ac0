/**
 * The provider's side of the registry: register with a stake and an offer, add stake,
 * queue and withdraw exits, update the offer and endpoints, pause and resume. Every write
 * goes through the node's `TransactionSender`, so it shares the node's nonces with proofs
 * and fills; reads go straight to the chain.
 */
import type { Address, Hash, Hex, PublicClient } from "viem";
import { decodeOffer, type Offer, type OfferInput } from "../core/offer.ts";
import type { TransactionSender } from "../chain/types.ts";
import { providerRegistryAbi } from "../generated/contracts.ts";
import { ProviderInputError } from "./errors.ts";

export interface ProviderStatus {
  address: Address;
  registered: boolean;
  paused: boolean;
  /** wei in place, locked collateral included. */
  stake: bigint;
  lockedCollateral: bigint;
  /** wei queued to leave, and when it can be withdrawn (unix s; 0 when none). */
  exitAmount: bigint;
  exitUnlocksAt: number;
  /** unix s from which the provider may take slots. */
  activeFrom: number;
  /** The registry's smallest stake, wei. */
  minStake: bigint;
  /** Present once registered. */
  offer: OfferInput | undefined;
}

export interface RegisterRequest {
  offer: Offer;
  /** wei staked with the registration; at least the registry's `minStake`. */
  stake: bigint;
  /** The node's libp2p peer id, binary (its multihash bytes). */
  peerId: Hex;
  multiaddrs: readonly string[];
}

export interface ProviderAdminComponents {
  sender: TransactionSender;
  publicClient: PublicClient;
}

export interface ProviderAdminInit {
  /** ProviderRegistry's address. */
  registry: Address;
}

function positive(field: string, amount: bigint): void {
  if (amount <= 0n) throw new ProviderInputError(field, "must be more than 0 wei");
}

export class ProviderAdmin {
  private readonly components: ProviderAdminComponents;
  private readonly registry: Address;

  constructor(components: ProviderAdminComponents, init: ProviderAdminInit) {
    this.components = components;
    this.registry = init.registry;
  }

  get address(): Address {
    return this.components.sender.address;
  }

  async status(): Promise<ProviderStatus> {
    const read = <T>(functionName: string, args: readonly unknown[] = []) =>
      this.components.publicClient.readContract({
        address: this.registry,
        abi: providerRegistryAbi,
        functionName,
        args,
      } as never) as Promise<T>;
    const [info, config] = await Promise.all([
      read<{
        stake: bigint;
        lockedCollateral: bigint;
        exitAmount: bigint;
        exitUnlocksAt: number;
        activeFrom: number;
        registered: boolean;
        paused: boolean;
      }>("providerInfo", [this.address]),
      read<{ minStake: bigint }>("config"),
    ]);
    const offer = info.registered ? decodeOffer(await read<Offer>("offerOf", [this.address])) : undefined;
    return {
      address: this.address,
      registered: info.registered,
      paused: info.paused,
      stake: info.stake,
      lockedCollateral: info.lockedCollateral,
      exitAmount: info.exitAmount,
      exitUnlocksAt: Number(info.exitUnlocksAt),
      activeFrom: Number(info.activeFrom),
      minStake: config.minStake,
      offer,
    };
  }

  register(request: RegisterRequest): Promise<Hash> {
    positive("stake", request.stake);
    if (request.multiaddrs.length === 0)
      throw new ProviderInputError("multiaddrs", "must list at least one address");
    return this.write("register", [request.offer, request.peerId, request.multiaddrs], request.stake);
  }

  addStake(amount: bigint): Promise<Hash> {
    positive("amount", amount);
    return this.write("addStake", [], amount);
  }

  /** Queues `amount` of free stake to leave after the unbonding period. */
  requestWithdrawal(amount: bigint): Promise<Hash> {
    positive("amount", amount);
    return this.write("requestWithdrawal", [amount]);
  }

  /** Pays out the queued exit once it has unlocked. */
  withdraw(): Promise<Hash> {
    return this.write("withdraw", []);
  }

  updateOffer(offer: Offer): Promise<Hash> {
    return this.write("updateOffer", [offer]);
  }

  updateEndpoints(peerId: Hex, multiaddrs: readonly string[]): Promise<Hash> {
    if (multiaddrs.length === 0) throw new ProviderInputError("multiaddrs", "must list at least one address");
    return this.write("updateEndpoints", [peerId, multiaddrs]);
  }

  pause(): Promise<Hash> {
    return this.write("pause", []);
  }

  resume(): Promise<Hash> {
    return this.write("resume", []);
  }

  private async write(functionName: string, args: readonly unknown[], value?: bigint): Promise<Hash> {
    const { hash } = await this.components.sender.send(
      { address: this.registry, abi: providerRegistryAbi, functionName, args, value },
      { label: `registry.${functionName}` },
    );
    return hash;
  }
}
