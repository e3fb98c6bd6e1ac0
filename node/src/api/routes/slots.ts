/**
 * `/api/v1/slots/{requestId}/{index}`: a provider's slots over HTTP.
 *
 * - POST takes a slot's bytes from a client (the dApp uploads each slot to its provider).
 *   It needs no token, since the client is not the node's operator; it is guarded by the
 *   chain instead: the request must take fills, the slot must be free (or in repair) and
 *   this node's to fill (designated to its address, or open and accepted by its
 *   availability policy). The body streams into the block store in 256 KiB blocks, bounded
 *   to exactly the slot size, and its root is checked against the on-chain commitment
 *   before the node fills the slot. The answer comes once `fillSlot` is mined.
 * - GET serves a held slot's bytes, so clients and repairing providers can read a dataset
 *   back from its providers.
 */
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Hex } from "viem";
import {
  type Sales,
  SlotBusyError,
  SlotFillRefusedError,
  SlotFillTimeoutError,
  SlotRefusedError,
  SlotRootMismatchError,
  SlotTooLargeError,
  SlotTooShortError,
} from "../../sales/index.ts";
import { API_PREFIX, IMMUTABLE_CACHE_CONTROL } from "../constants.ts";
import {
  ApiError,
  ContractRevertApiError,
  InvalidParameterApiError,
  NotFoundApiError,
  PayloadTooLargeError,
  ServiceUnavailableError,
} from "../errors.ts";
import type { RouteContext } from "../server.ts";
import { sendHeadersOnly } from "./data.ts";

const errorRef = { $ref: "Error#" };

const slotParams = {
  type: "object",
  required: ["requestId", "index"],
  additionalProperties: false,
  properties: {
    requestId: {
      type: "string",
      pattern: "^0x[0-9a-fA-F]{64}$",
      description: "The request id, 32 bytes of 0x-hex (its low 16 bits are zero).",
    },
    index: { type: "integer", minimum: 0, maximum: 65_535, description: "The slot's index in the request." },
  },
} as const;

interface SlotParams {
  requestId: Hex;
  index: number;
}

/** A slot the node will not take: 403 when it is not this node's, 404 unknown, 409 taken. */
const REFUSAL_STATUS: Record<SlotRefusedError["reason"], { status: number; code: string; field?: string }> = {
  "unknown-request": { status: 404, code: "UNKNOWN_REQUEST", field: "requestId" },
  "unknown-slot": { status: 404, code: "UNKNOWN_SLOT", field: "index" },
  "request-not-open": { status: 409, code: "REQUEST_NOT_OPEN", field: "requestId" },
  "slot-not-free": { status: 409, code: "SLOT_NOT_FREE", field: "index" },
  "already-held": { status: 409, code: "ALREADY_HELD", field: "index" },
  "designated-to-other": { status: 403, code: "NOT_DESIGNATED", field: "index" },
  "declined-by-policy": { status: 403, code: "DECLINED_BY_POLICY", field: "index" },
};

/** The sales side's errors as API errors; anything else passes through. */
export function slotApiError(err: unknown): unknown {
  if (err instanceof SlotRefusedError) {
    const { status, code, field } = REFUSAL_STATUS[err.reason];
    return new ApiError(status, code, err.message, field);
  }
  if (err instanceof SlotBusyError) return new ApiError(409, "SLOT_BUSY", err.message, "index");
  if (err instanceof SlotTooLargeError) return new PayloadTooLargeError(err.slotSize);
  if (err instanceof SlotTooShortError) return new InvalidParameterApiError("body", err.message);
  if (err instanceof SlotRootMismatchError) return new ApiError(422, "ROOT_MISMATCH", err.message, "body");
  if (err instanceof SlotFillRefusedError) return new ContractRevertApiError(err.errorName, err.message);
  if (err instanceof SlotFillTimeoutError)
    return new ServiceUnavailableError(`${err.message}; the node keeps the data and tries again`);
  return err;
}

function checkRequestId(requestId: string): Hex {
  if ((BigInt(requestId) & 0xffffn) !== 0n)
    throw new InvalidParameterApiError(
      "requestId",
      "a request id has its low 16 bits zero; this is a slot id",
    );
  return requestId.toLowerCase() as Hex;
}

export async function slotRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  sales: Sales | undefined,
): Promise<void> {
  const service = (): Sales => {
    if (sales === undefined)
      throw new ServiceUnavailableError("this node does not sell storage (no chain link, or sales off)");
    return sales;
  };

  // The body is the slot's bytes, whatever its Content-Type: read as a stream, never parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null));

  app.post<{ Params: SlotParams }>(
    `${API_PREFIX}/slots/:requestId/:index`,
    {
      schema: {
        tags: ["slots"],
        summary: "Upload a slot's data to this provider (streamed)",
        description:
          "The body is the slot's bytes, exactly the request's slot size. No token: the node checks the " +
          "chain instead. It refuses (before reading the body) unless the request is New (or Started with " +
          "this slot in repair), the slot is free, and it is this node's to fill: designated to the node's " +
          "address, or open and accepted by its availability policy. The data's slot root must be the " +
          "on-chain one (422 otherwise, and nothing is kept). The node then fills the slot with a first " +
          "proof and answers once the fill is mined. One upload per slot at a time (409).",
        params: slotParams,
        headers: {
          type: "object",
          properties: {
            "content-length": { type: "string", description: "Optional; must equal the slot size." },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["slotId", "filledPeriod"],
            properties: {
              slotId: { type: "string" },
              transactionHash: { type: "string", description: "The fillSlot transaction." },
              filledPeriod: { type: "string", description: "The period the fill was mined in." },
            },
          },
          400: errorRef,
          403: errorRef,
          404: errorRef,
          409: errorRef,
          413: errorRef,
          422: errorRef,
          503: errorRef,
        },
      },
    },
    async (request, reply) => {
      const requestId = checkRequestId(request.params.requestId);
      const { index } = request.params;
      const sales = service();
      try {
        // Judge the slot before reading a byte: a refused upload costs the client nothing.
        const { terms } = await sales.offer(requestId, index);
        const declared = request.headers["content-length"];
        if (declared !== undefined && Number(declared) > Number(terms.slotSize))
          throw new PayloadTooLargeError(Number(terms.slotSize));
        if (declared !== undefined && Number(declared) < Number(terms.slotSize))
          throw new InvalidParameterApiError(
            "Content-Length",
            `the slot is ${terms.slotSize} bytes; the body declares ${declared}`,
          );
        const abort = new AbortController();
        const onClose = () => {
          if (!request.raw.complete) abort.abort(new Error("the client went away during the upload"));
        };
        request.raw.once("close", onClose);
        try {
          const taken = await sales.take(requestId, index, request.raw, { signal: abort.signal });
          ctx.log.info("slot uploaded and filled", { slotId: taken.slotId, hash: taken.transactionHash });
          return {
            slotId: taken.slotId,
            transactionHash: taken.transactionHash,
            filledPeriod: String(taken.filledPeriod),
          };
        } finally {
          request.raw.off("close", onClose);
        }
      } catch (err) {
        // The rest of the body may still be on its way: answer, then close the connection.
        if (!request.raw.complete) reply.header("connection", "close");
        throw slotApiError(err);
      }
    },
  );

  app.get<{ Params: SlotParams }>(
    `${API_PREFIX}/slots/:requestId/:index`,
    {
      schema: {
        tags: ["slots"],
        summary: "Download a slot this provider holds (streamed)",
        description:
          "The slot's bytes, block by block from the block store, each checked against its CID. " +
          "404 unless this node holds the slot.",
        params: slotParams,
        produces: ["application/octet-stream"],
        response: {
          200: { description: "The slot's bytes", type: "string", format: "binary" },
          400: errorRef,
          404: errorRef,
          503: errorRef,
        },
      },
    },
    async (request, reply) => {
      const requestId = checkRequestId(request.params.requestId);
      const { index } = request.params;
      const held = service().heldSlot(requestId, index);
      if (held === undefined)
        throw new NotFoundApiError(`this node holds no slot ${index} of request ${requestId}`, "index");
      const { slot, blockCids } = held;
      reply.type("application/octet-stream");
      reply.header("content-length", String(slot.slotSize));
      reply.header("cache-control", IMMUTABLE_CACHE_CONTROL);
      reply.header("x-content-type-options", "nosniff");
      reply.header("x-cairn-slot-root", slot.slotRoot);
      if (request.method === "HEAD") return sendHeadersOnly(reply);
      const abort = new AbortController();
      reply.raw.once("close", () => abort.abort());
      const served = ctx.metrics?.servedBytes;
      const sales = service();
      const body = (async function* () {
        for (const cid of blockCids) {
          const bytes = await sales.readBlock(cid, abort.signal);
          served?.inc(bytes.byteLength);
          yield bytes;
        }
      })();
      return reply.send(Readable.from(body, { objectMode: false }));
    },
  );
}
