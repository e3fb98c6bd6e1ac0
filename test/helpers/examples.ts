/** Example arguments for the contracts, each a valid default that a test overrides. */
import { type Address, type Hex, numberToHex, parseEther, toHex } from "viem";
import { requestIdOf, slotIdOf } from "../../node/src/core/index.ts";
import { SLOT_SIZE, slotTree } from "./slots.ts";
import type { SlotTree } from "../../node/src/core/index.ts";

/** `IProviderRegistry.Offer`. */
export interface OfferArg {
  pricePerBytePerSecond: bigint;
  maxCollateralPerByte: bigint;
  minDuration: bigint;
  maxDuration: bigint;
  capacity: bigint;
  region: Hex;
  infrastructure: Hex;
}

/** An offer that accepts `exampleRequest()`'s terms. */
export function exampleOffer(overrides: Partial<OfferArg> = {}): OfferArg {
  return {
    pricePerBytePerSecond: 100n,
    maxCollateralPerByte: 10n ** 13n,
    minDuration: 3600n,
    maxDuration: 30n * 86_400n,
    capacity: 2n ** 40n,
    region: toHex("eu-west", { size: 16 }),
    infrastructure: toHex("bare-metal", { size: 16 }),
    ...overrides,
  };
}

export const EXAMPLE_PEER_ID: Hex =
  "0x00240801122003a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f";
export const EXAMPLE_MULTIADDRS = ["/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/tcp/4002/ws"];

/** `IStorageMarket.Request`, as viem takes it. */
export interface RequestArg {
  nonce: Hex;
  cid: Hex;
  slotRoots: readonly Hex[];
  providers: readonly Address[];
  slotSize: bigint;
  dataSlots: number;
  duration: bigint;
  pricePerBytePerSecond: bigint;
  collateralPerByte: bigint;
  proofProbability: number;
  expiry: bigint;
}

/** A request with the trees behind its roots and the escrow it needs. */
export interface ExampleRequest {
  request: RequestArg;
  trees: SlotTree[];
  escrow: bigint;
  /** The id the request gets when `client` sends it. */
  idFor(client: Address): Hex;
  /** The id of slot `index` when `client` sends it. */
  slotIdFor(client: Address, index: number): Hex;
}

let nonces = 0;

export interface ExampleRequestOptions extends Partial<RequestArg> {
  /** n; ignored when `slotRoots` is given. @default 4 */
  slots?: number;
  /** The chain's current time, for the default expiry. */
  now: bigint;
  /** Labels the slots' data, so different requests hold different bytes. @default "example" */
  label?: string;
}

/**
 * A request of `slots` one-block slots, k = n / 2, lasting a day, open to any provider,
 * with a proof due every period (probability 1), to be filled within an hour.
 */
export function exampleRequest(options: ExampleRequestOptions): ExampleRequest {
  const { slots = 4, now, label = "example", ...overrides } = options;
  const trees = Array.from({ length: slots }, (_, i) => slotTree(`${label}-${i}`));
  const request: RequestArg = {
    nonce: numberToHex(++nonces, { size: 32 }),
    cid: "0x01711220c3c4733ec8affd06cf9e9ff50ffc6bcd2ec85a6170004bb709669c31de94391a",
    slotRoots: trees.map((tree) => toHex(tree.root)),
    providers: [],
    slotSize: BigInt(SLOT_SIZE),
    dataSlots: Math.max(1, Math.floor(slots / 2)),
    duration: 86_400n,
    pricePerBytePerSecond: 1_000n,
    collateralPerByte: parseEther("0.000001"),
    proofProbability: 1,
    expiry: now + 3600n,
    ...overrides,
  };
  const escrow =
    BigInt(request.slotRoots.length) * request.slotSize * request.pricePerBytePerSecond * request.duration;
  return {
    request,
    trees,
    escrow,
    idFor: (client) => requestIdOf(client, request.nonce),
    slotIdFor: (client, index) => slotIdOf(requestIdOf(client, request.nonce), index),
  };
}
