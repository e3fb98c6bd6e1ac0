/**
 * The network side of `/api/v1/data`: streaming data this node does not hold from the
 * providers that do (`GET /api/v1/data/{cid}` falls back to it), and `POST
 * /api/v1/retrievals`, which fetches a CID into the local store and reports progress per
 * provider as newline-delimited JSON (what `cairn download` draws its progress from).
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CID } from "multiformats/cid";
import {
  createRetrieval,
  type ProviderProgress,
  type Retrieval,
  type RetrievedFile,
} from "../../retrieval/index.ts";
import { parseCid } from "../cid.ts";
import { API_PREFIX } from "../constants.ts";
import { NotFoundApiError, ServiceUnavailableError } from "../errors.ts";
import { parseRange } from "../range.ts";
import type { RouteContext } from "../server.ts";
import { sendHeadersOnly, setFileHeaders } from "./data.ts";

/** ms between two progress lines of `POST /api/v1/retrievals` (the last one always goes). */
const PROGRESS_INTERVAL_MS = 250;

/** The node's retrieval: the one it was given, or one over its exchange and discovery. */
export function networkRetrieval(ctx: RouteContext): Retrieval | undefined {
  const { retrieval, exchange, discovery, blockstore, network } = ctx.components;
  if (retrieval !== undefined) return retrieval;
  if (exchange === undefined || discovery === undefined) return undefined;
  return createRetrieval({ exchange, discovery, blockstore, network, logger: ctx.log.child("retrieval") });
}

export function showProviders(providers: ProviderProgress[]) {
  return providers.map((p) => ({
    peer: p.peer,
    price: p.price.toString(),
    blocks: p.blocks,
    bytes: p.bytes,
    paid: p.paid.toString(),
    ...(p.dropped === undefined ? {} : { dropped: p.dropped }),
  }));
}

/** Opens a retrieval, turning "nobody has it" into a 404 naming the CID. */
async function open(
  ctx: RouteContext,
  retrieval: Retrieval,
  cid: CID,
  signal: AbortSignal,
): Promise<RetrievedFile> {
  try {
    return await retrieval.open(cid, { signal });
  } catch (err) {
    if ((err as Error).name === "NotOnNetworkError") {
      ctx.metrics?.retrievals.inc({ outcome: "not_found" });
      throw new NotFoundApiError(`${cid} is not on this node, and no provider on the network has it`, "cid");
    }
    ctx.metrics?.retrievals.inc({ outcome: "failed" });
    throw err;
  }
}

function logDone(ctx: RouteContext, file: RetrievedFile, outcome: "ok" | "failed", err?: unknown): void {
  const fetched = file.fetchedBlocks();
  if (fetched === 0 && outcome === "ok") return; // all local: nothing went to the network
  ctx.metrics?.retrievals.inc({ outcome });
  ctx.log.info(outcome === "ok" ? "fetched data from the network" : "a network download failed", {
    cid: file.cid.toString(),
    fetchedBlocks: fetched,
    providers: showProviders(file.providers()),
    ...(err === undefined ? {} : { err }),
  });
}

/** Streams a file that is not (all) local, with Range, as the local path does. */
export async function serveFromNetwork(
  ctx: RouteContext,
  retrieval: Retrieval,
  cid: CID,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const abort = new AbortController();
  reply.raw.once("close", () => abort.abort(new Error("the client went away")));
  const file = await open(ctx, retrieval, cid, abort.signal);
  let range: ReturnType<typeof parseRange>;
  try {
    range = parseRange(request.headers.range, file.size);
  } catch (err) {
    await file.close();
    throw err;
  }
  setFileHeaders(reply, cid, file.encrypted);
  reply.type("application/octet-stream");
  const offset = range?.start ?? 0;
  const length = range === undefined ? file.size : range.end - range.start + 1;
  reply.header("content-length", String(length));
  if (range !== undefined) {
    reply.code(206);
    reply.header("content-range", `bytes ${range.start}-${range.end}/${file.size}`);
  }
  if (request.method === "HEAD" || length === 0) {
    await file.close();
    return request.method === "HEAD" ? sendHeadersOnly(reply) : reply.send("");
  }
  const metrics = ctx.metrics;
  const body = (async function* () {
    let outcome: "ok" | "failed" = "failed";
    let failure: unknown;
    let counted = 0;
    try {
      for await (const chunk of file.read({ offset, length })) {
        metrics?.servedBytes.inc(chunk.byteLength);
        yield chunk;
      }
      outcome = "ok";
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      for (const p of file.providers()) counted += p.bytes;
      if (counted > 0) metrics?.retrievedBytes.inc(counted);
      logDone(ctx, file, outcome, failure);
      await file.close();
    }
  })();
  return reply.send(Readable.from(body, { objectMode: false }));
}

export async function retrievalRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const retrieval = networkRetrieval(ctx);
  app.post<{ Body: { cid: string } }>(
    `${API_PREFIX}/retrievals`,
    {
      config: { auth: true },
      schema: {
        tags: ["data"],
        summary: "Fetch data into this node, with progress",
        description:
          "Fetches the file a CID names (a dataset manifest or a UnixFS root) into the local block store " +
          "from the providers that have it, paying them through channels. The response is " +
          '`application/x-ndjson`, one JSON object per line: `{type:"progress", bytes, size, providers}` ' +
          'at most every 250 ms, then `{type:"done", local, size, fetchedBlocks, providers}` (`local`: nothing was fetched) or ' +
          '`{type:"error", code, message}`. Each provider: `{peer, price, blocks, bytes, paid}` (wei as ' +
          "decimal strings). Afterwards `GET /api/v1/data/{cid}` reads it locally. 404 when no provider " +
          "has the CID; 503 when the node has no block exchange.",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["cid"],
          properties: { cid: { type: "string", description: "The CID to fetch." } },
        },
        produces: ["application/x-ndjson"],
        response: {
          200: { description: "Progress lines, then a done or error line.", type: "string" },
          400: { $ref: "Error#" },
          401: { $ref: "Error#" },
          404: { $ref: "Error#" },
          503: { $ref: "Error#" },
        },
      },
    },
    async (request, reply) => {
      const cid = parseCid(request.body.cid, "cid");
      const line = (value: object) => `${JSON.stringify(value)}\n`;
      const dataset = ctx.components.metadata.datasets.get(cid);
      reply.type("application/x-ndjson");
      // A dataset stored here is complete by construction: nothing to fetch.
      if (dataset !== undefined) {
        return line({ type: "done", local: true, size: dataset.size, fetchedBlocks: 0, providers: [] });
      }
      if (retrieval === undefined) {
        throw new ServiceUnavailableError("the node has no block exchange (p2p is off)");
      }
      const abort = new AbortController();
      reply.raw.once("close", () => abort.abort(new Error("the client went away")));
      const file = await open(ctx, retrieval, cid, abort.signal);
      const body = (async function* () {
        let bytes = 0;
        let last = 0;
        try {
          for await (const chunk of file.read()) {
            bytes += chunk.byteLength;
            const now = Date.now();
            if (now - last >= PROGRESS_INTERVAL_MS) {
              last = now;
              yield line({
                type: "progress",
                bytes,
                size: file.size,
                providers: showProviders(file.providers()),
              });
            }
          }
          const counted = file.providers().reduce((sum, p) => sum + p.bytes, 0);
          if (counted > 0) ctx.metrics?.retrievedBytes.inc(counted);
          logDone(ctx, file, "ok");
          yield line({
            type: "done",
            local: file.fetchedBlocks() === 0,
            size: file.size,
            fetchedBlocks: file.fetchedBlocks(),
            providers: showProviders(file.providers()),
          });
        } catch (err) {
          logDone(ctx, file, "failed", err);
          // The status line went out with the first byte: the failure is the last line.
          yield line({ type: "error", code: (err as Error).name, message: (err as Error).message });
        } finally {
          await file.close();
        }
      })();
      return reply.send(Readable.from(body, { objectMode: false }));
    },
  );
}
