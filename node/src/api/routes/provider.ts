/**
 * The node's provider account on the registry: read its status, register with a stake
 * and an offer, add stake, queue and withdraw exits, change the offer, pause and resume;
 * and collect the payouts of slots whose request ended. Writes need the token; each
 * answers once its transactions are mined, with their hashes.
 * Amounts are decimal strings of wei (JSON numbers cannot hold them exactly).
 */
import type { FastifyInstance } from "fastify";
import { peerIdFromString } from "@libp2p/peer-id";
import { toHex } from "viem";
import { ContractRevertError } from "../../chain/errors.ts";
import { apiUrlToMultiaddr, encodeOffer, type OfferInput } from "../../core/offer.ts";
import { InvalidParameterError } from "../../core/errors.ts";
import {
  CollectorMissingError,
  type CollectTarget,
  type ProviderAdmin,
  ProviderInputError,
  type ProviderStatus,
  SlotNotCollectableError,
} from "../../provider/index.ts";
import type { Collection } from "../../sales/index.ts";
import { API_PREFIX } from "../constants.ts";
import {
  ContractRevertApiError,
  InvalidParameterApiError,
  ServiceUnavailableError,
  UnprocessableApiError,
} from "../errors.ts";
import type { RouteContext } from "../server.ts";

const wei = {
  type: "string",
  pattern: "^[0-9]{1,78}$",
  description: "An amount in wei, as a decimal string.",
};
const uint = { type: "string", pattern: "^[0-9]{1,20}$" };
const label = { type: "string", maxLength: 16, description: "At most 16 bytes of UTF-8." };
const bytes32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" };
const txHash = { type: "string", pattern: "^0x[0-9a-f]{64}$" };

const offerSchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "pricePerBytePerSecond",
    "maxCollateralPerByte",
    "minDuration",
    "maxDuration",
    "capacity",
    "region",
    "infrastructure",
  ],
  properties: {
    pricePerBytePerSecond: { ...wei, description: "Lowest price accepted, wei per byte per second." },
    maxCollateralPerByte: { ...wei, description: "Highest collateral accepted, wei per byte of slot." },
    minDuration: { ...uint, description: "Shortest request accepted, seconds." },
    maxDuration: { ...uint, description: "Longest request accepted, seconds." },
    capacity: { ...uint, description: "Disk space offered, bytes." },
    region: { ...label, description: 'Self-declared region, e.g. "eu-west".' },
    infrastructure: { ...label, description: 'Self-declared infrastructure, e.g. "hetzner".' },
  },
} as const;

type OfferBody = Record<keyof OfferInput, string>;

const txResult = {
  type: "object",
  required: ["transactionHash"],
  properties: { transactionHash: txHash },
} as const;

const collectBody = {
  type: "object",
  additionalProperties: false,
  properties: {
    slotId: { ...bytes32, description: "The slot to collect, 0x and 64 hex digits." },
    requestId: { ...bytes32, description: "With slotIndex: the request of the slot to collect." },
    slotIndex: {
      type: "integer",
      minimum: 0,
      maximum: 65_535,
      description: "With requestId: the slot's index in its request.",
    },
  },
} as const;

const collectResult = {
  type: "object",
  required: ["collected"],
  properties: {
    collected: {
      type: "array",
      description: "The slots collected by this call; empty when there was nothing to collect.",
      items: {
        type: "object",
        required: ["slotId", "requestId", "slotIndex", "payment", "collateral", "transactionHash"],
        properties: {
          slotId: bytes32,
          requestId: bytes32,
          slotIndex: { type: "integer" },
          payment: { ...wei, description: "wei paid for the storage." },
          collateral: { ...wei, description: "wei of collateral returned." },
          transactionHash: txHash,
        },
      },
    },
  },
} as const;

const statusSchema = {
  type: "object",
  required: [
    "address",
    "registered",
    "paused",
    "stake",
    "lockedCollateral",
    "exitAmount",
    "exitUnlocksAt",
    "activeFrom",
    "minStake",
  ],
  properties: {
    address: { type: "string" },
    registered: { type: "boolean" },
    paused: { type: "boolean" },
    stake: wei,
    lockedCollateral: wei,
    exitAmount: wei,
    exitUnlocksAt: { type: "integer", description: "Unix seconds; 0 when no exit is queued." },
    activeFrom: { type: "integer", description: "Unix seconds from which the provider may take slots." },
    minStake: wei,
    offer: offerSchema,
  },
} as const;

const errors = {
  400: { $ref: "Error#" },
  401: { $ref: "Error#" },
  422: { $ref: "Error#" },
  503: { $ref: "Error#" },
};

function offerFrom(body: OfferBody): OfferInput {
  return {
    pricePerBytePerSecond: BigInt(body.pricePerBytePerSecond),
    maxCollateralPerByte: BigInt(body.maxCollateralPerByte),
    minDuration: BigInt(body.minDuration),
    maxDuration: BigInt(body.maxDuration),
    capacity: BigInt(body.capacity),
    region: body.region,
    infrastructure: body.infrastructure,
  };
}

function statusJson(status: ProviderStatus) {
  const offer = status.offer;
  return {
    ...status,
    stake: String(status.stake),
    lockedCollateral: String(status.lockedCollateral),
    exitAmount: String(status.exitAmount),
    minStake: String(status.minStake),
    offer:
      offer === undefined
        ? undefined
        : {
            ...offer,
            pricePerBytePerSecond: String(offer.pricePerBytePerSecond),
            maxCollateralPerByte: String(offer.maxCollateralPerByte),
            minDuration: String(offer.minDuration),
            maxDuration: String(offer.maxDuration),
            capacity: String(offer.capacity),
          },
  };
}

function collectionJson(collection: Collection) {
  return { ...collection, payment: String(collection.payment), collateral: String(collection.collateral) };
}

/** The API error for a way a provider command can be refused; anything else as it is. */
function apiErrorOf(err: unknown): unknown {
  if (err instanceof ContractRevertError) return new ContractRevertApiError(err.errorName, err.message);
  if (err instanceof InvalidParameterError || err instanceof ProviderInputError)
    return new InvalidParameterApiError(err.field, err.message);
  if (err instanceof SlotNotCollectableError)
    return new UnprocessableApiError("SLOT_NOT_COLLECTABLE", err.message, "slotId");
  if (err instanceof CollectorMissingError) return new ServiceUnavailableError(err.message);
  return err;
}

/** Runs a registry write and turns the ways it can be refused into API errors. */
async function transact(run: () => Promise<`0x${string}`>): Promise<{ transactionHash: string }> {
  try {
    return { transactionHash: await run() };
  } catch (err) {
    throw apiErrorOf(err);
  }
}

export async function providerRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const admin = (): ProviderAdmin => {
    const provider = ctx.components.provider;
    if (provider === undefined)
      throw new ServiceUnavailableError("the node has no chain link (see chain.rpcUrl)");
    return provider;
  };
  const tags = ["provider"];
  const write = (
    path: string,
    summary: string,
    description: string,
    body: object | undefined,
    run: (body: never) => Promise<`0x${string}`>,
  ) =>
    app.post(
      `${API_PREFIX}/provider/${path}`,
      {
        config: { auth: true },
        schema: {
          tags,
          summary,
          description,
          security: [{ bearer: [] }],
          ...(body ? { body } : {}),
          response: { 200: txResult, ...errors },
        },
      },
      async (request) => transact(() => run((request.body ?? {}) as never)),
    );

  app.get(
    `${API_PREFIX}/provider`,
    {
      schema: {
        tags,
        summary: "This node's provider account",
        description: "Its registry record and offer, read from the chain.",
        response: { 200: statusSchema, 503: { $ref: "Error#" } },
      },
    },
    async () => statusJson(await admin().status()),
  );

  write(
    "register",
    "Register as a provider",
    "Registers the node's wallet with a stake and an offer. The node publishes its peer id, its libp2p addresses and its REST API's URL (apiUrl, or the API's own URL) as an /http multiaddr.",
    {
      type: "object",
      additionalProperties: false,
      required: ["stake", "offer"],
      properties: {
        stake: { ...wei, description: "wei staked; at least the registry's minStake." },
        offer: offerSchema,
        apiUrl: {
          type: "string",
          description: "The URL clients reach this REST API at. @default the API's own URL",
        },
      },
    },
    async (body: { stake: string; offer: OfferBody; apiUrl?: string }) => {
      const network = ctx.components.network;
      if (network === undefined)
        throw new ServiceUnavailableError("registering needs libp2p (p2p.enabled is off)");
      const offer = encodeOffer(offerFrom(body.offer));
      const apiMultiaddr = apiUrlToMultiaddr(body.apiUrl ?? ctx.url());
      const peerId = toHex(peerIdFromString(network.peerId.toString()).toMultihash().bytes);
      const multiaddrs = [...network.getMultiaddrs().map(String), apiMultiaddr];
      return admin().register({ offer, stake: BigInt(body.stake), peerId, multiaddrs });
    },
  );

  write(
    "stake",
    "Add stake",
    "Adds `amount` wei to the provider's stake.",
    { type: "object", additionalProperties: false, required: ["amount"], properties: { amount: wei } },
    async (body: { amount: string }) => admin().addStake(BigInt(body.amount)),
  );

  write(
    "unstake",
    "Queue a withdrawal",
    "Queues `amount` wei of free stake to leave after the registry's unbonding period.",
    { type: "object", additionalProperties: false, required: ["amount"], properties: { amount: wei } },
    async (body: { amount: string }) => admin().requestWithdrawal(BigInt(body.amount)),
  );

  write(
    "withdraw",
    "Withdraw the queued exit",
    "Pays out the queued exit once it has unlocked.",
    undefined,
    async () => admin().withdraw(),
  );

  write(
    "offer",
    "Change the offer",
    "Replaces the provider's offer; slots already held keep their terms.",
    offerSchema,
    async (body: OfferBody) => admin().updateOffer(encodeOffer(offerFrom(body))),
  );

  write("pause", "Pause", "Stops taking new slots; slots held are still proven.", undefined, async () =>
    admin().pause(),
  );
  write("resume", "Resume", "Takes new slots again.", undefined, async () => admin().resume());

  app.post(
    `${API_PREFIX}/provider/collect`,
    {
      config: { auth: true },
      schema: {
        tags,
        summary: "Collect ended slots' payouts",
        description:
          "Collects the payment and collateral of every slot this node holds whose request has ended (finished, failed or cancelled) and that was not collected yet; or, given `slotId` (or `requestId` and `slotIndex`), of that slot alone. The node also collects on its own; a slot is collected once either way. Answers once the transactions are mined. 422 SLOT_NOT_COLLECTABLE: the slot is not this node's, or its request has not ended.",
        security: [{ bearer: [] }],
        body: collectBody,
        response: { 200: collectResult, ...errors },
      },
      // No body at all means "every ended slot", as `{}` does.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      try {
        const collected = await admin().collect(request.body as CollectTarget);
        return { collected: collected.map(collectionJson) };
      } catch (err) {
        throw apiErrorOf(err);
      }
    },
  );
}
