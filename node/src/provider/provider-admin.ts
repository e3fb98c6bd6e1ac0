/**
 * The provider's side of the registry: register with a stake and an offer, add stake,
 * queue and withdraw exits, update the offer and endpoints, pause and resume; and the
 * market's payouts: collect ended slots by hand. Every write goes through the node's
 * `TransactionSender`, so it shares the node's nonces with proofs and fills; reads go
 * straight to the chain.
 */
import type { Address, Hash, Hex, PublicClient } from "viem";
import { decodeOffer, type Offer, type OfferInput } from "../core/offer.ts";
import { slotIdOf, splitSlotId } from "../core/ids.ts";
import type { TransactionSender } from "../chain/types.ts";
import { providerRegistryAbi } from "../generated/contracts.ts";
import { type Collection, requestStateName, type SlotCollector } from "../sales/slot-collector.ts";
import { CollectorMissingError, ProviderInputError, SlotNotCollectableError } from "./errors.ts";

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

/**
 * Which slot `collect` takes: one by its id, or by its request and index. Fields are
 * checked, as they come from the API: a slot id, or a request id with a slot index.
 */
export interface CollectTarget {
  slotId?: Hex;
  requestId?: Hex;
  slotIndex?: number;
}

export interface ProviderAdminComponents {
  sender: TransactionSender;
  publicClient: PublicClient;
  /** Needed by `collect`: the node's one collector, shared with the sales agent. */
  collector?: SlotCollector;
}

export interface ProviderAdminInit {
  /** ProviderRegistry's address. */
  registry: Address;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const MAX_SLOT_INDEX = 0xffff;

function positive(field: string, amount: bigint): void {
  if (amount <= 0n) throw new ProviderInputError(field, "must be more than 0 wei");
}

/** The slot a `CollectTarget` names, or undefined for "every ended slot". */
function targetSlot(target: CollectTarget): Hex | undefined {
  const { slotId, requestId, slotIndex } = target;
  if (slotId !== undefined) {
    if (requestId !== undefined || slotIndex !== undefined)
      throw new ProviderInputError("slotId", "give either slotId or requestId with slotIndex, not both");
    if (!BYTES32.test(slotId)) throw new ProviderInputError("slotId", "must be 32 bytes of 0x-hex");
    return slotId.toLowerCase() as Hex;
  }
  if (slotIndex !== undefined && requestId === undefined)
    throw new ProviderInputError("slotIndex", "needs requestId (or give slotId instead)");
  if (requestId === undefined) return undefined;
  if (slotIndex === undefined)
    throw new ProviderInputError("requestId", "needs slotIndex (or give slotId instead)");
  if (!BYTES32.test(requestId)) throw new ProviderInputError("requestId", "must be 32 bytes of 0x-hex");
  // A request id has its low 16 bits clear; they hold the index in a slot id.
  if (splitSlotId(requestId as Hex).index !== 0)
    throw new ProviderInputError("requestId", "is a slot id, not a request id (its low 16 bits are set)");
  if (!Number.isInteger(slotIndex) || slotIndex < 0 || slotIndex > MAX_SLOT_INDEX)
    throw new ProviderInputError("slotIndex", `must be an integer from 0 to ${MAX_SLOT_INDEX}`);
  return slotIdOf(requestId.toLowerCase() as Hex, slotIndex);
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

  /**
   * Collects the payout (payment and collateral back) of every held slot whose request has
   * ended and that was not collected yet, or of the one slot `target` names. The sales
   * agent collects on its own too; both record in `sales_collections`, so a slot is
   * collected once. A slot already collected yields nothing; a slot this node does not hold,
   * or whose request has not ended, throws `SlotNotCollectableError`; a refusal by the
   * contract, `ContractRevertError` (for "every slot" it is logged and the others go on).
   */
  async collect(target: CollectTarget = {}, signal?: AbortSignal): Promise<Collection[]> {
    const slotId = targetSlot(target);
    const collector = this.components.collector;
    if (collector === undefined) throw new CollectorMissingError("this provider admin has no slot collector");
    if (slotId === undefined) return collector.collectEnded({ signal });
    const result = await collector.collect(slotId, signal);
    switch (result.outcome) {
      case "collected":
        return [result.collection];
      case "already-collected":
        return [];
      case "not-host":
        throw new SlotNotCollectableError(
          slotId,
          "not-host",
          `slot ${slotId} is not held by this node (${this.address}): ${
            BigInt(result.host) === 0n ? "nobody holds it" : `its host is ${result.host}`
          }`,
        );
      case "not-ended": {
        const { requestId } = splitSlotId(slotId);
        throw new SlotNotCollectableError(
          slotId,
          "not-ended",
          `request ${requestId} has not ended (it is ${requestStateName(result.requestState)}); slots are collected once it has finished, failed or been cancelled`,
        );
      }
    }
  }

  private async write(functionName: string, args: readonly unknown[], value?: bigint): Promise<Hash> {
    const { hash } = await this.components.sender.send(
      { address: this.registry, abi: providerRegistryAbi, functionName, args, value },
      { label: `registry.${functionName}` },
    );
    return hash;
  }
}
