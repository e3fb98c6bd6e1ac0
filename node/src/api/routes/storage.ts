/**
 * `/api/v1/storage`: buying storage for a dataset stored on this node. A quote chooses the
 * providers and prices the escrow; a request sends it on-chain, pushes each slot to its
 * provider and follows the deal until it starts; withdrawing returns the client's funds
 * after it ends, fails or is cancelled. Amounts are decimal strings of wei; durations are
 * whole seconds. Writes need the token.
 */
import type { FastifyInstance } from "fastify";
import { ContractRevertError } from "../../chain/errors.ts";
import { InvalidParameterError } from "../../core/errors.ts";
import {
  DEFAULT_COLLATERAL_PER_BYTE,
  NotEnoughProvidersError,
  PurchaseInputError,
  PurchaseNotFoundError,
  type PurchaseRecord,
  PurchaseStateError,
  type PurchaseStatus,
  type Purchasing,
  PurchasingStoppedError,
  ProvidersNotReadyError,
  type Quote,
  slotSizeFor,
  UnknownDatasetError,
} from "../../purchasing/index.ts";
import { API_PREFIX } from "../constants.ts";
import {
  ApiError,
  ConflictError,
  ContractRevertApiError,
  InvalidParameterApiError,
  NotFoundApiError,
  ServiceUnavailableError,
} from "../errors.ts";
import type { RouteContext } from "../server.ts";

/** Fewer providers can take a slot than the request needs (422); the message lists who was excluded and why. */
export class NotEnoughProvidersApiError extends ApiError {
  constructor(message: string) {
    super(422, "NOT_ENOUGH_PROVIDERS", message, "providers");
  }
}

const wei = { type: "string", pattern: "^[0-9]{1,78}$", description: "wei, as a decimal string." };
const errorRef = { $ref: "Error#" };
const errors = { 400: errorRef, 401: errorRef, 404: errorRef, 409: errorRef, 422: errorRef, 503: errorRef };
const MAX_SECONDS = 2 ** 40;

const termsProperties = {
  duration: { type: "integer", minimum: 1, maximum: MAX_SECONDS, description: "Seconds the data is kept." },
  maxPrice: { ...wei, description: "The most paid per byte per second, wei. No limit when absent." },
  collateralPerByte: { ...wei, description: "Collateral each provider locks per byte of slot, wei." },
} as const;

const quoteBody = {
  type: "object",
  additionalProperties: false,
  required: ["duration"],
  properties: {
    cid: {
      type: "string",
      description: "A stored, erasure-coded dataset: k, m and the slot size come from it.",
    },
    size: { type: "integer", minimum: 0, description: "Bytes of a file not uploaded yet; needs k and m." },
    k: { type: "integer", minimum: 1, maximum: 255, description: "Data slots." },
    m: { type: "integer", minimum: 0, maximum: 254, description: "Parity slots." },
    ...termsProperties,
  },
} as const;

const requestBody = {
  type: "object",
  additionalProperties: false,
  required: ["cid", "duration"],
  properties: {
    cid: { type: "string", description: "The dataset's manifest CID, stored on this node." },
    k: { type: "integer", minimum: 1, maximum: 255, description: "Optional; must equal the manifest's." },
    m: { type: "integer", minimum: 0, maximum: 254, description: "Optional; must equal the manifest's." },
    ...termsProperties,
    proofProbability: {
      type: "integer",
      minimum: 1,
      maximum: 65_535,
      description: "A slot proves in a period with probability 1 / proofProbability. @default 4",
    },
    expiry: {
      type: "integer",
      minimum: 1,
      maximum: MAX_SECONDS,
      description: "Seconds from now by which every slot must be filled. @default min(3600, duration / 2)",
    },
  },
} as const;

const providerSchema = {
  type: "object",
  properties: {
    address: { type: "string" },
    peerId: { type: "string" },
    apiUrl: { type: "string" },
    region: { type: "string" },
    infrastructure: { type: "string" },
    pricePerBytePerSecond: wei,
    reputation: { type: "number" },
  },
} as const;

const quoteSchema = {
  type: "object",
  properties: {
    k: { type: "integer" },
    m: { type: "integer" },
    slotSize: { type: "string" },
    duration: { type: "string" },
    collateralPerByte: wei,
    pricePerBytePerSecond: wei,
    escrow: wei,
    providers: { type: "array", items: providerSchema },
    excluded: {
      type: "array",
      items: { type: "object", properties: { address: { type: "string" }, reason: { type: "string" } } },
    },
    regions: { type: "integer" },
    infrastructures: { type: "integer" },
    durability: {
      type: "object",
      properties: { survival: { type: "number" }, nines: { type: "number" } },
    },
  },
} as const;

const slotSchema = {
  type: "object",
  properties: {
    index: { type: "integer" },
    provider: { type: "string" },
    apiUrl: { type: "string" },
    region: { type: "string" },
    infrastructure: { type: "string" },
    pushed: { type: "boolean" },
    attempts: { type: "integer" },
    bytesPushed: { type: "integer" },
    lastError: { type: "string" },
    onChainState: { type: "string", description: "Free, Filled, Repair or Collected." },
  },
} as const;

const purchaseSchema = {
  type: "object",
  properties: {
    requestId: { type: "string" },
    cid: { type: "string" },
    client: { type: "string" },
    state: {
      type: "string",
      description:
        "quoted, requested, uploading, started, cancelled, failed, finished, withdrawn, or aborted (refused before it reached the chain).",
    },
    k: { type: "integer" },
    m: { type: "integer" },
    slotSize: { type: "string" },
    duration: { type: "string" },
    pricePerBytePerSecond: wei,
    collateralPerByte: wei,
    proofProbability: { type: "integer" },
    escrow: wei,
    expiry: { type: "integer", description: "Unix s." },
    endsAt: { type: "integer", description: "Unix s." },
    withdrawn: wei,
    lastError: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
    slotsPushed: { type: "integer" },
    filledSlots: { type: "integer" },
    timeLeft: {
      type: "integer",
      description: "Seconds to the expiry while waiting for fills, to the end while running.",
    },
    onChain: {
      type: "object",
      properties: {
        state: { type: "string" },
        filledSlots: { type: "integer" },
        withdrawn: { type: "boolean" },
      },
    },
    slots: { type: "array", items: slotSchema },
  },
} as const;

const requestIdParams = {
  type: "object",
  additionalProperties: false,
  required: ["requestId"],
  properties: { requestId: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } },
} as const;

interface TermsBody {
  duration: number;
  maxPrice?: string;
  collateralPerByte?: string;
}
type QuoteBody = TermsBody & { cid?: string; size?: number; k?: number; m?: number };
type RequestBody = TermsBody & {
  cid: string;
  k?: number;
  m?: number;
  proofProbability?: number;
  expiry?: number;
};

function quoteJson(quote: Quote) {
  return {
    ...quote,
    slotSize: String(quote.slotSize),
    duration: String(quote.duration),
    collateralPerByte: String(quote.collateralPerByte),
    pricePerBytePerSecond: String(quote.pricePerBytePerSecond),
    escrow: String(quote.escrow),
    providers: quote.providers.map((p) => ({ ...p, pricePerBytePerSecond: String(p.pricePerBytePerSecond) })),
  };
}

function purchaseJson(record: PurchaseRecord, status?: PurchaseStatus) {
  const { request } = record;
  return {
    requestId: record.requestId,
    cid: record.cid,
    client: record.client,
    state: record.state,
    k: request.dataSlots,
    m: request.slotRoots.length - request.dataSlots,
    slotSize: String(request.slotSize),
    duration: String(request.duration),
    pricePerBytePerSecond: String(request.pricePerBytePerSecond),
    collateralPerByte: String(request.collateralPerByte),
    proofProbability: request.proofProbability,
    escrow: String(record.escrow),
    expiry: Number(request.expiry),
    endsAt: record.endsAt,
    withdrawn: record.withdrawn === undefined ? undefined : String(record.withdrawn),
    lastError: record.lastError,
    createdAt: new Date(record.createdAt).toISOString(),
    slotsPushed: record.slots.filter((s) => s.pushed).length,
    filledSlots: status?.onChain?.filledSlots,
    timeLeft: status?.timeLeft,
    onChain:
      status?.onChain === undefined
        ? undefined
        : {
            state: status.onChain.state,
            filledSlots: status.onChain.filledSlots,
            withdrawn: status.onChain.withdrawn,
          },
    slots: record.slots.map((s) => ({
      ...s,
      bytesPushed: status?.slotBytes[s.index],
      onChainState: status?.onChain?.slotStates[s.index],
    })),
  };
}

/** The service's errors as API errors, each naming the field at fault. */
function toApiError(err: unknown): unknown {
  if (err instanceof PurchaseInputError || err instanceof InvalidParameterError)
    return new InvalidParameterApiError(err.field, err.message);
  if (err instanceof UnknownDatasetError) return new NotFoundApiError(err.message, "cid");
  if (err instanceof NotEnoughProvidersError) return new NotEnoughProvidersApiError(err.message);
  if (err instanceof ContractRevertError) return new ContractRevertApiError(err.errorName, err.message);
  if (err instanceof PurchaseNotFoundError) return new NotFoundApiError(err.message, "requestId");
  if (err instanceof PurchaseStateError) return new ConflictError("PURCHASE_STATE", err.message, "requestId");
  if (err instanceof PurchasingStoppedError || err instanceof ProvidersNotReadyError)
    return new ServiceUnavailableError(err.message);
  return err;
}

async function answer<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toApiError(err);
  }
}

function amount(value: string | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(value);
}

export async function storageRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const service = (): Purchasing => {
    const purchasing = ctx.components.purchasing;
    if (purchasing === undefined)
      throw new ServiceUnavailableError("the node has no chain link (see chain.rpcUrl)");
    return purchasing;
  };
  const tags = ["storage"];

  app.post<{ Body: QuoteBody }>(
    `${API_PREFIX}/storage/quote`,
    {
      schema: {
        tags,
        summary: "Quote storage",
        description:
          "Chooses k + m providers from the registry's offers (price, reputation, region and infrastructure " +
          "diversity) and returns them with the request's price, its escrow (from the market's " +
          "requiredEscrow), the expected durability, and the providers left out with why. Give either " +
          "`cid` (a stored, erasure-coded dataset) or `size` with `k` and `m`.",
        body: quoteBody,
        response: { 200: quoteSchema, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      const terms = {
        duration: BigInt(body.duration),
        maxPricePerBytePerSecond: amount(body.maxPrice),
        collateralPerByte: amount(body.collateralPerByte) ?? DEFAULT_COLLATERAL_PER_BYTE,
      };
      if ((body.cid === undefined) === (body.size === undefined))
        throw new InvalidParameterApiError("cid", "give either cid or size, not both or neither");
      if (body.cid !== undefined) {
        if (body.k !== undefined || body.m !== undefined)
          throw new InvalidParameterApiError(
            body.k !== undefined ? "k" : "m",
            "comes from the dataset's manifest with cid",
          );
        const cid = body.cid;
        return answer(async () => quoteJson((await service().quoteDataset(cid, terms)).quote));
      }
      if (body.k === undefined || body.m === undefined)
        throw new InvalidParameterApiError(body.k === undefined ? "k" : "m", "is required with size");
      const { k, m, size } = body as Required<Pick<QuoteBody, "k" | "m" | "size">>;
      return answer(async () =>
        quoteJson(await service().quote({ ...terms, k, m, slotSize: slotSizeFor(size, k) })),
      );
    },
  );

  app.post<{ Body: RequestBody }>(
    `${API_PREFIX}/storage/requests`,
    {
      config: { auth: true },
      schema: {
        tags,
        summary: "Buy storage for a stored dataset",
        description:
          "Quotes, then sends requestStorage with the exact escrow from the node's wallet, designating one " +
          "chosen provider per slot. Answers once the request is mined, with its id and providers; the node " +
          "then pushes each slot's bytes to its provider, follows the request until it starts, and withdraws " +
          "the client's funds once it ends, fails or is cancelled. k and m come from the manifest.",
        security: [{ bearer: [] }],
        body: requestBody,
        response: {
          201: {
            type: "object",
            properties: { requestId: { type: "string" }, purchase: purchaseSchema, quote: quoteSchema },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const purchasing = service();
      const result = await answer(async () => {
        if (body.k !== undefined || body.m !== undefined) {
          const { manifest } = await purchasing.loadManifest(body.cid);
          if (body.k !== undefined && body.k !== manifest.k)
            throw new PurchaseInputError("k", `the dataset's manifest has k = ${manifest.k}, not ${body.k}`);
          if (body.m !== undefined && body.m !== manifest.m)
            throw new PurchaseInputError("m", `the dataset's manifest has m = ${manifest.m}, not ${body.m}`);
        }
        return purchasing.buy({
          cid: body.cid,
          duration: BigInt(body.duration),
          maxPricePerBytePerSecond: amount(body.maxPrice),
          collateralPerByte: amount(body.collateralPerByte),
          proofProbability: body.proofProbability,
          expirySeconds: body.expiry,
        });
      });
      reply.code(201);
      return {
        requestId: result.purchase.requestId,
        purchase: purchaseJson(result.purchase),
        quote: quoteJson(result.quote),
      };
    },
  );

  app.get(
    `${API_PREFIX}/storage/requests`,
    {
      schema: {
        tags,
        summary: "List purchases",
        description: "Every purchase this node made, newest first, as recorded (no chain reads).",
        response: {
          200: { type: "object", properties: { requests: { type: "array", items: purchaseSchema } } },
          503: errorRef,
        },
      },
    },
    async () => ({
      requests: service()
        .list()
        .map((record) => purchaseJson(record)),
    }),
  );

  app.get<{ Params: { requestId: string } }>(
    `${API_PREFIX}/storage/requests/:requestId`,
    {
      schema: {
        tags,
        summary: "One purchase",
        description:
          "Its state, slots and providers, push progress, fills and time left, with the request's and each slot's on-chain state.",
        params: requestIdParams,
        response: { 200: purchaseSchema, ...errors },
      },
    },
    async (request) =>
      answer(async () => {
        const status = await service().status(request.params.requestId);
        return purchaseJson(status, status);
      }),
  );

  app.post<{ Params: { requestId: string } }>(
    `${API_PREFIX}/storage/requests/:requestId/withdraw`,
    {
      config: { auth: true },
      schema: {
        tags,
        summary: "Withdraw a request's funds",
        description:
          "Withdraws what the market owes the client once the request has finished, failed or been cancelled " +
          "(409 before). Idempotent: a purchase already withdrawn is returned as is.",
        security: [{ bearer: [] }],
        params: requestIdParams,
        response: { 200: purchaseSchema, ...errors },
      },
    },
    async (request) => answer(async () => purchaseJson(await service().withdraw(request.params.requestId))),
  );
}
