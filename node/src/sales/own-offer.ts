/**
 * This node's offer as the registry holds it, checked against a slot's terms the way the
 * market's fillSlot checks it (StorageMarket._checkOffer). The availability policy is the
 * operator's local config; the registered offer is what the chain enforces. Checking it
 * before taking a slot saves fetching or rebuilding a slot whose fill would revert.
 */
import type { Address, PublicClient } from "viem";
import { providerRegistryAbi, storageMarketAbi } from "../generated/contracts.ts";
import type { SlotTerms } from "./terms.ts";

export interface RegisteredOffer {
  pricePerBytePerSecond: bigint;
  maxCollateralPerByte: bigint;
  minDuration: bigint;
  maxDuration: bigint;
  capacity: bigint;
}

/** Why the market would refuse `offer` for a slot with `terms`, or undefined when it would not. */
export function offerRejection(
  offer: RegisteredOffer,
  terms: Pick<SlotTerms, "pricePerBytePerSecond" | "collateralPerByte" | "duration" | "slotSize">,
): string | undefined {
  if (terms.pricePerBytePerSecond < offer.pricePerBytePerSecond)
    return `asks ${offer.pricePerBytePerSecond} wei/B/s; the request pays ${terms.pricePerBytePerSecond}`;
  if (terms.collateralPerByte > offer.maxCollateralPerByte)
    return `locks at most ${offer.maxCollateralPerByte} wei/B of collateral; the request wants ${terms.collateralPerByte}`;
  if (terms.duration < offer.minDuration)
    return `takes deals of ${offer.minDuration} s or more; this is ${terms.duration} s`;
  if (terms.duration > offer.maxDuration)
    return `takes deals of ${offer.maxDuration} s or less; this is ${terms.duration} s`;
  if (terms.slotSize > offer.capacity)
    return `has ${offer.capacity} B of capacity; the slot is ${terms.slotSize} B`;
  return undefined;
}

/** Reads this node's registered offer; the registry's address is asked of the market once. */
export class OwnOfferReader {
  readonly #client: Pick<PublicClient, "readContract">;
  readonly #market: Address;
  readonly #me: Address;
  #registry: Promise<Address> | undefined;

  constructor(client: Pick<PublicClient, "readContract">, market: Address, me: Address) {
    this.#client = client;
    this.#market = market;
    this.#me = me;
  }

  async read(): Promise<RegisteredOffer> {
    this.#registry ??= this.#client
      .readContract({ address: this.#market, abi: storageMarketAbi, functionName: "registry" })
      .catch((err: unknown) => {
        this.#registry = undefined;
        throw err;
      }) as Promise<Address>;
    return (await this.#client.readContract({
      address: await this.#registry,
      abi: providerRegistryAbi,
      functionName: "offerOf",
      args: [this.#me],
    })) as RegisteredOffer;
  }
}
