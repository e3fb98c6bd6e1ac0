/**
 * `/api/v1/data`: streaming uploads (optionally erasure-coded and encrypted), streaming
 * downloads with Range, dataset manifests, listing and deletion.
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CID } from "multiformats/cid";
import { checkErasureParams, decodeManifest, MAX_SHARDS } from "../../core/index.ts";
import type { Dataset } from "../../store/metadata/index.ts";
import { parseCid } from "../cid.ts";
import {
  API_PREFIX,
  DEFAULT_LIST_LIMIT,
  ENCRYPTION_KEY_HEADER,
  IMMUTABLE_CACHE_CONTROL,
  MAX_LIST_LIMIT,
} from "../constants.ts";
import { InvalidParameterApiError, NotFoundApiError, PayloadTooLargeError } from "../errors.ts";
import { readFile, statFile } from "../dag.ts";
import { parseRange } from "../range.ts";
import type { RouteContext } from "../server.ts";
import { releasableReader } from "../release.ts";
import { storeUpload } from "../upload.ts";
import { networkRetrieval, serveFromNetwork } from "./data-network.ts";

const errorRef = { $ref: "Error#" };
const cidParams = {
  type: "object",
  required: ["cid"],
  additionalProperties: false,
  properties: {
    cid: {
      type: "string",
      description: "A CIDv1 (or CIDv0) of a raw, dag-pb or dag-cbor block with a sha2-256 hash.",
    },
  },
} as const;

const datasetSchema = {
  type: "object",
  required: ["cid", "rootCid", "size", "blockCount", "encrypted", "heldForDeal", "createdAt"],
  properties: {
    cid: {
      type: "string",
      description: "The dataset's CID: its manifest's when erasure-coded, else its root's.",
    },
    rootCid: { type: "string", description: "Root of the UnixFS file (of the ciphertext when encrypted)." },
    manifestCid: { type: "string", description: "The dag-cbor dataset manifest, when erasure-coded." },
    size: { type: "integer", description: "Bytes of the stored file." },
    blockCount: { type: "integer" },
    encrypted: { type: "boolean" },
    heldForDeal: {
      type: "boolean",
      description:
        "Held while a storage deal still pushes its slots (until the request starts); cannot be deleted.",
    },
    createdAt: { type: "string", format: "date-time" },
  },
} as const;

function showDataset(dataset: Dataset) {
  return { ...dataset, createdAt: new Date(dataset.createdAt).toISOString() };
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

interface UploadQuery {
  k?: number;
  m?: number;
  encrypted?: boolean;
}

function parseKeyHeader(request: FastifyRequest): Uint8Array | undefined {
  const value = request.headers[ENCRYPTION_KEY_HEADER];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !HEX_KEY.test(value)) {
    throw new InvalidParameterApiError(
      "X-Cairn-Encryption-Key",
      "X-Cairn-Encryption-Key must be a 256-bit AES key as 64 hex characters",
    );
  }
  return Uint8Array.from(Buffer.from(value, "hex"));
}

export function setFileHeaders(reply: FastifyReply, cid: CID, encrypted: boolean): void {
  reply.header("accept-ranges", "bytes");
  reply.header("etag", `"${cid}"`);
  reply.header("cache-control", IMMUTABLE_CACHE_CONTROL);
  reply.header("x-content-type-options", "nosniff");
  if (encrypted) reply.header("x-cairn-encrypted", "true");
}

/**
 * Answers a HEAD with the headers a GET would send, Content-Length included (Fastify's
 * own HEAD handling would replace it with the length of an empty body).
 */
export function sendHeadersOnly(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
  reply.raw.end();
  return reply;
}

export async function dataRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { blockstore, metadata } = ctx.components;
  const read = (cid: CID) => blockstore.getBytes(cid);
  const retrieval = networkRetrieval(ctx);

  // The upload body is the file itself, whatever its Content-Type: it is read as a stream
  // in the handler, never parsed or buffered.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null));

  app.post<{ Querystring: UploadQuery }>(
    `${API_PREFIX}/data`,
    {
      config: { auth: true },
      schema: {
        tags: ["data"],
        summary: "Upload a file (streamed)",
        description:
          "The request body is the file's bytes, streamed to the block store as a UnixFS DAG " +
          "(CIDv1, raw leaves, 256 KiB chunks). With `k` and `m` the file is also erasure-coded into " +
          "k + m slots and a dag-cbor dataset manifest is stored; its CID becomes the dataset's CID.\n\n" +
          "Encryption (AES-256-GCM) never uses a key the node made up. Either the client encrypts and " +
          "sends `encrypted=true` (the body must be in the Cairn encryption format; the key never " +
          "leaves the client, as the CLI and the dApp do), or the client sends its own key in " +
          "`X-Cairn-Encryption-Key` and the node encrypts this one upload with it, then forgets it. " +
          "Without either, the data is stored as sent.",
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            k: { type: "integer", minimum: 1, maximum: MAX_SHARDS, description: "Data blocks per stripe." },
            m: {
              type: "integer",
              minimum: 0,
              maximum: MAX_SHARDS - 1,
              description: "Parity blocks per stripe.",
            },
            encrypted: {
              type: "boolean",
              description: "The body is already encrypted by the client (Cairn format).",
            },
          },
        },
        headers: {
          type: "object",
          properties: {
            [ENCRYPTION_KEY_HEADER]: {
              type: "string",
              description: "The client's AES-256 key, 64 hex characters, to encrypt this upload with.",
            },
            "content-length": {
              type: "string",
              description: "Optional; larger than api.uploadLimit gives 413.",
            },
          },
        },
        response: {
          201: {
            type: "object",
            required: ["cid", "rootCid", "size", "encrypted", "blockCount"],
            properties: {
              cid: { type: "string", description: "The dataset's CID (the manifest's when erasure-coded)." },
              rootCid: { type: "string" },
              manifestCid: { type: "string" },
              size: { type: "integer", description: "Bytes of the stored file." },
              received: { type: "integer", description: "Bytes of the request body." },
              encrypted: { type: "boolean" },
              blockCount: { type: "integer" },
            },
          },
          400: errorRef,
          401: errorRef,
          413: errorRef,
        },
      },
    },
    async (request, reply) => {
      const { k, m, encrypted } = request.query;
      if ((k === undefined) !== (m === undefined)) {
        const missing = k === undefined ? "k" : "m";
        throw new InvalidParameterApiError(
          missing,
          `${missing} is required when ${missing === "k" ? "m" : "k"} is given`,
        );
      }
      if (k !== undefined && m !== undefined) {
        try {
          checkErasureParams(k, m);
        } catch (err) {
          const field = (err as { field?: string }).field ?? "m";
          throw new InvalidParameterApiError(field, (err as Error).message);
        }
      }
      const key = parseKeyHeader(request);
      if (key !== undefined && encrypted === true) {
        throw new InvalidParameterApiError(
          "X-Cairn-Encryption-Key",
          "send either encrypted=true (the body is already encrypted) or a key, not both",
        );
      }
      const declared = request.headers["content-length"];
      if (declared !== undefined && Number(declared) > ctx.init.uploadLimit) {
        throw new PayloadTooLargeError(ctx.init.uploadLimit);
      }

      const abort = new AbortController();
      const onClose = () => {
        if (!request.raw.complete) abort.abort(new Error("the client went away during the upload"));
      };
      request.raw.once("close", onClose);
      try {
        const stored = await storeUpload(request.raw, blockstore, {
          limit: ctx.init.uploadLimit,
          erasure: k !== undefined && m !== undefined ? { k, m } : undefined,
          encryptionKey: key,
          preEncrypted: encrypted === true,
          workers: ctx.init.stripeWorkers,
          signal: abort.signal,
          onBytes: (n) => ctx.metrics?.uploadedBytes.inc(n),
        });
        const { result } = stored;
        const cid = result.manifestCid ?? result.root;
        const dataset = metadata.datasets.put(
          {
            cid,
            rootCid: result.root,
            manifestCid: result.manifestCid,
            size: result.size,
            encrypted: result.encrypted || encrypted === true,
          },
          stored.blocks,
        );
        ctx.log.info("stored an upload", { cid: String(cid), size: result.size, blocks: dataset.blockCount });
        // Announced now, not at the next re-provide round hours away: providers fetch the
        // manifest from here as they fill, and readers look the dataset up by its CID.
        ctx.components.discovery
          ?.provide(cid)
          .catch((err: unknown) => ctx.log.warn("could not announce an upload", { cid: String(cid), err }));
        reply.code(201);
        return {
          cid: dataset.cid,
          rootCid: dataset.rootCid,
          manifestCid: dataset.manifestCid,
          size: dataset.size,
          received: stored.received,
          encrypted: dataset.encrypted,
          blockCount: dataset.blockCount,
        };
      } catch (err) {
        // The rest of the body is still on its way: answer, then close the connection, so
        // the unread bytes are neither parsed as a next request nor keep the socket busy.
        if (!request.raw.complete) reply.header("connection", "close");
        throw err;
      } finally {
        request.raw.off("close", onClose);
      }
    },
  );

  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    `${API_PREFIX}/data`,
    {
      schema: {
        tags: ["data"],
        summary: "List local datasets",
        description: "Oldest first, a page at a time.",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
            offset: { type: "integer", minimum: 0, default: 0 },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["datasets", "total", "limit", "offset"],
            properties: {
              datasets: { type: "array", items: datasetSchema },
              total: { type: "integer" },
              limit: { type: "integer" },
              offset: { type: "integer" },
            },
          },
          400: errorRef,
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_LIST_LIMIT;
      const offset = request.query.offset ?? 0;
      return {
        datasets: metadata.datasets.list({ limit, offset }).map(showDataset),
        total: metadata.datasets.count(),
        limit,
        offset,
      };
    },
  );

  app.get<{ Params: { cid: string } }>(
    `${API_PREFIX}/data/:cid`,
    {
      schema: {
        tags: ["data"],
        summary: "Download a file (streamed, with Range)",
        description:
          "Streams the file a CID names: a UnixFS root, or a dataset manifest (its file is served). " +
          "Supports one `Range: bytes=` range (206 with Content-Range; 416 when unsatisfiable). " +
          "Encrypted datasets are served as stored (ciphertext) with `X-Cairn-Encrypted: true`; " +
          "the client decrypts. Every block is checked against its CID as it is read.\n\n" +
          "When the data is not held here and the node runs the block exchange, it is fetched from " +
          "the providers found in the DHT, paid for through payment channels, verified and stored as it " +
          "streams (a second read is local); a stripe whose data blocks nobody has is rebuilt from " +
          "parity. 404 names the CID when no provider has it within the lookup timeout; 502 " +
          "(`UNRECOVERABLE`) names the stripe when the providers found hold too few of its blocks to " +
          "rebuild it (a failure after the first byte cuts the response short instead). Progress is " +
          "not in the response: see the node's log, `cairn_api_retrieved_bytes_total`, or " +
          "`POST /api/v1/retrievals`.",
        params: cidParams,
        headers: {
          type: "object",
          properties: {
            range: { type: "string", description: "e.g. bytes=0-1023, bytes=1024-, bytes=-100" },
          },
        },
        produces: ["application/octet-stream"],
        response: {
          200: { description: "The whole file", type: "string", format: "binary" },
          206: { description: "The requested range", type: "string", format: "binary" },
          400: errorRef,
          404: errorRef,
          416: errorRef,
          502: errorRef,
        },
      },
    },
    async (request, reply) => {
      const cid = parseCid(request.params.cid);
      const dataset = metadata.datasets.get(cid);
      // Data not held here as a dataset is read through the network retrieval when the node
      // has one: it reads what is local and fetches only what is missing.
      if (dataset === undefined && retrieval !== undefined) {
        return serveFromNetwork(ctx, retrieval, cid, request, reply);
      }
      if (dataset === undefined && !(await blockstore.has(cid))) {
        throw new NotFoundApiError(`${cid} is not stored on this node`, "cid");
      }
      const stat = await statFile(cid, read);
      const range = parseRange(request.headers.range, stat.size);
      setFileHeaders(reply, cid, dataset?.encrypted ?? false);
      reply.type("application/octet-stream");
      const offset = range?.start ?? 0;
      const length = range === undefined ? stat.size : range.end - range.start + 1;
      reply.header("content-length", String(length));
      if (range !== undefined) {
        reply.code(206);
        reply.header("content-range", `bytes ${range.start}-${range.end}/${stat.size}`);
      }
      if (request.method === "HEAD") return sendHeadersOnly(reply);
      if (length === 0) return reply.send("");
      const abort = new AbortController();
      reply.raw.once("close", () => abort.abort());
      const served = ctx.metrics?.servedBytes;
      // Each block read from disk is freed as soon as the exporter has copied it (release.ts).
      const blocks = releasableReader(read);
      const body = (async function* () {
        const chunks = readFile(stat.root, blocks.read, {
          offset,
          length,
          signal: abort.signal,
          release: blocks.release,
        });
        for await (const chunk of chunks) {
          served?.inc(chunk.byteLength);
          yield chunk;
        }
      })();
      return reply.send(Readable.from(body, { objectMode: false }));
    },
  );

  app.get<{ Params: { cid: string } }>(
    `${API_PREFIX}/data/:cid/manifest`,
    {
      schema: {
        tags: ["data"],
        summary: "A dataset's manifest",
        description:
          "The dag-cbor dataset manifest as JSON: CIDs as strings, slot roots as 0x-hex. `cid` is the " +
          "manifest's CID (what an erasure-coded upload returned). 404 for data stored without erasure coding.",
        params: cidParams,
        response: {
          200: {
            type: "object",
            required: [
              "cid",
              "version",
              "root",
              "size",
              "encrypted",
              "k",
              "m",
              "blockSize",
              "stripes",
              "cellSize",
              "slots",
            ],
            properties: {
              cid: { type: "string" },
              version: { type: "integer" },
              root: { type: "string" },
              size: { type: "integer" },
              encrypted: { type: "boolean" },
              k: { type: "integer" },
              m: { type: "integer" },
              blockSize: { type: "integer" },
              stripes: { type: "integer" },
              cellSize: { type: "integer" },
              slots: {
                type: "array",
                items: {
                  type: "object",
                  required: ["root", "blocks"],
                  properties: {
                    root: { type: "string", description: "32-byte slot root, 0x-hex." },
                    blocks: { type: "array", items: { type: "string" } },
                  },
                },
              },
            },
          },
          400: errorRef,
          404: errorRef,
        },
      },
    },
    async (request) => {
      const cid = parseCid(request.params.cid);
      let manifestCid = cid;
      if (cid.code !== 0x71) {
        const dataset = metadata.datasets.get(cid);
        if (dataset?.manifestCid === undefined) {
          throw new NotFoundApiError(`${cid} has no dataset manifest on this node`, "cid");
        }
        manifestCid = CID.parse(dataset.manifestCid);
      }
      if (!(await blockstore.has(manifestCid))) {
        throw new NotFoundApiError(`${manifestCid} is not stored on this node`, "cid");
      }
      const manifest = await decodeManifest(await read(manifestCid), manifestCid);
      return {
        cid: manifestCid.toString(),
        ...manifest,
        root: manifest.root.toString(),
        slots: manifest.slots.map((slot) => ({
          root: `0x${Buffer.from(slot.root).toString("hex")}`,
          blocks: slot.blocks.map(String),
        })),
      };
    },
  );

  app.delete<{ Params: { cid: string } }>(
    `${API_PREFIX}/data/:cid`,
    {
      config: { auth: true },
      schema: {
        tags: ["data"],
        summary: "Delete a local dataset",
        description:
          "Removes the dataset's record, then the blocks no other dataset uses. 409 when the dataset " +
          "is held for a storage deal that has not started yet (its slots are still being pushed).",
        security: [{ bearer: [] }],
        params: cidParams,
        response: {
          200: {
            type: "object",
            required: ["cid", "removedBlocks"],
            properties: { cid: { type: "string" }, removedBlocks: { type: "integer" } },
          },
          400: errorRef,
          401: errorRef,
          404: errorRef,
          409: errorRef,
        },
      },
    },
    async (request) => {
      const cid = parseCid(request.params.cid);
      if (!metadata.datasets.has(cid)) throw new NotFoundApiError(`no dataset ${cid} on this node`, "cid");
      const { orphanedBlocks } = metadata.datasets.delete(cid);
      for (const block of orphanedBlocks) await blockstore.delete(CID.parse(block));
      ctx.log.info("deleted a dataset", { cid: String(cid), removedBlocks: orphanedBlocks.length });
      return { cid: cid.toString(), removedBlocks: orphanedBlocks.length };
    },
  );
}
