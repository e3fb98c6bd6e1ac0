/**
 * `/ipfs/{cid}`, the IPFS trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/):
 * a single block (`application/vnd.ipld.raw`) or a CARv1 of the DAG under the CID
 * (`application/vnd.ipld.car`), chosen by `?format=` or, failing that, by `Accept`. The
 * client verifies what it gets by hashing, so standard IPFS tools can fetch from a node.
 * Only verifiable responses are offered; deserialised files are `/api/v1/data/{cid}`.
 *
 * Supported: `dag-scope` (all, entity, block), CAR `version=1`, `order=dfs` (always),
 * `dups=y|n` (from Accept or `car-dups`), the `bafkqaaa` probe, `Cache-Control:
 * only-if-cached`. Not supported: paths below the CID, `entity-bytes` (400 as unknown).
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { CID } from "multiformats/cid";
import { parseCid } from "../cid.ts";
import { IMMUTABLE_CACHE_CONTROL, MEDIA_CAR, MEDIA_RAW } from "../constants.ts";
import { ApiError, InvalidParameterApiError, NotAcceptableError, NotFoundApiError } from "../errors.ts";
import { carStream, walkDag } from "../dag.ts";
import { sendHeadersOnly } from "./data.ts";
import type { RouteContext } from "../server.ts";

type Format = "raw" | "car";

interface GatewayQuery {
  format?: Format;
  "dag-scope"?: "all" | "entity" | "block";
  "car-version"?: "1";
  "car-order"?: "dfs" | "unk";
  "car-dups"?: "y" | "n";
}

interface Choice {
  format: Format;
  /** Content-type parameters from the Accept entry that matched (`order`, `dups`, `version`). */
  params: Map<string, string>;
  /** True when only Accept chose it (a Content-Location with `?format=` is then sent). */
  fromAccept: boolean;
}

function parseAccept(accept: string): Array<{ type: string; params: Map<string, string>; q: number }> {
  return accept
    .split(",")
    .map((part) => {
      const [type = "", ...rest] = part.split(";").map((s) => s.trim());
      const params = new Map<string, string>();
      for (const p of rest) {
        const eq = p.indexOf("=");
        if (eq > 0)
          params.set(
            p.slice(0, eq).trim().toLowerCase(),
            p
              .slice(eq + 1)
              .trim()
              .replace(/^"|"$/g, ""),
          );
      }
      const q = params.has("q") ? Number(params.get("q")) : 1;
      return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
}

/** The format from `?format=`, else the most preferred verifiable type in `Accept`. */
function chooseFormat(format: Format | undefined, accept: string | undefined): Choice {
  const entries = parseAccept(accept ?? "");
  if (format !== undefined) {
    const wanted = format === "raw" ? MEDIA_RAW : MEDIA_CAR;
    return { format, params: entries.find((e) => e.type === wanted)?.params ?? new Map(), fromAccept: false };
  }
  for (const entry of entries) {
    if (entry.type === MEDIA_RAW) return { format: "raw", params: entry.params, fromAccept: true };
    if (entry.type === MEDIA_CAR) return { format: "car", params: entry.params, fromAccept: true };
  }
  const asked = entries.filter((e) => e.type !== "*/*");
  if (asked.length === 0) {
    // The spec's strict trustless mode: no deserialised responses, so say what to ask for.
    throw new InvalidParameterApiError(
      "format",
      `this gateway serves only verifiable responses: ask for ?format=raw or ?format=car (or Accept: ${MEDIA_RAW} or ${MEDIA_CAR})`,
    );
  }
  throw new NotAcceptableError(
    `none of the accepted types is served; ask for ?format=raw or ?format=car (or Accept: ${MEDIA_RAW} or ${MEDIA_CAR})`,
    "Accept",
  );
}

function commonHeaders(reply: FastifyReply, path: string, cid: CID): void {
  reply.header("x-content-type-options", "nosniff");
  reply.header("cache-control", IMMUTABLE_CACHE_CONTROL);
  reply.header("x-ipfs-path", path);
  reply.header("x-ipfs-roots", cid.toString());
  reply.header("vary", "Accept");
}

export async function gatewayRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { blockstore } = ctx.components;
  const read = (cid: CID) => blockstore.getBytes(cid);

  app.get<{ Params: { cid: string }; Querystring: GatewayQuery }>(
    "/ipfs/:cid",
    {
      schema: {
        tags: ["gateway"],
        summary: "A block or a CAR (IPFS trustless gateway)",
        description:
          "`format=raw` (or `Accept: application/vnd.ipld.raw`): the block's bytes. `format=car` (or " +
          "`Accept: application/vnd.ipld.car`): a CARv1 with the CID as its root and the blocks of " +
          "the DAG under it in depth-first order (`order=dfs`), each once (`dups=n`) unless the client " +
          "asks for `dups=y` (in Accept or `car-dups`). `dag-scope=block` gives only the root block; " +
          "`all` (the default) and `entity` give the whole DAG. `format` wins over Accept. Without " +
          "either, 400; with only unservable Accept types, 406. `GET /ipfs/bafkqaaa` is the spec's " +
          "probe. With `Cache-Control: only-if-cached`, a CID not held here gives 412 instead of 404. " +
          "Paths below the CID and `entity-bytes` are not supported.",
        params: {
          type: "object",
          required: ["cid"],
          additionalProperties: false,
          properties: { cid: { type: "string", description: "The CID of the root block." } },
        },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            format: { type: "string", enum: ["raw", "car"] },
            "dag-scope": { type: "string", enum: ["all", "entity", "block"] },
            "car-version": { type: "string", enum: ["1"] },
            "car-order": { type: "string", enum: ["dfs", "unk"] },
            "car-dups": { type: "string", enum: ["y", "n"] },
          },
        },
        produces: [MEDIA_RAW, MEDIA_CAR],
        response: {
          200: { description: "The block, or the CAR stream", type: "string", format: "binary" },
          400: { $ref: "Error#" },
          404: { $ref: "Error#" },
          406: { $ref: "Error#" },
          412: { $ref: "Error#" },
        },
      },
    },
    async (request, reply) => {
      const cid = parseCid(request.params.cid, "cid", { allowIdentity: true });
      const { format, params, fromAccept } = chooseFormat(request.query.format, request.headers.accept);
      const version = request.query["car-version"] ?? params.get("version");
      if (format === "car" && version !== undefined && version !== "1") {
        throw new NotAcceptableError(`CAR version ${version} is not served; ask for version=1`, "Accept");
      }
      const order = request.query["car-order"] ?? params.get("order");
      if (format === "car" && order !== undefined && order !== "dfs" && order !== "unk") {
        throw new NotAcceptableError(
          `CAR order ${order} is not served; this gateway sends order=dfs`,
          "Accept",
        );
      }
      const dupsParam = request.query["car-dups"] ?? params.get("dups");
      if (format === "car" && dupsParam !== undefined && dupsParam !== "y" && dupsParam !== "n") {
        throw new InvalidParameterApiError("Accept", `dups must be y or n, got ${dupsParam}`);
      }
      if (!(await blockstore.has(cid))) {
        const cacheControl = request.headers["cache-control"] ?? "";
        if (/\bonly-if-cached\b/i.test(cacheControl)) {
          throw new ApiError(412, "NOT_CACHED", `${cid} is not stored on this node`, "cid");
        }
        throw new NotFoundApiError(`${cid} is not stored on this node`, "cid");
      }
      commonHeaders(reply, `/ipfs/${request.params.cid}`, cid);
      if (fromAccept) reply.header("content-location", `/ipfs/${request.params.cid}?format=${format}`);
      const served = ctx.metrics?.servedBytes;

      if (format === "raw") {
        const bytes = await read(cid);
        served?.inc(bytes.byteLength);
        reply.type(MEDIA_RAW);
        reply.header("etag", `"${cid}.raw"`);
        reply.header("content-disposition", `attachment; filename="${cid}.bin"`);
        return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }

      const scope = request.query["dag-scope"] ?? "all";
      const dups = dupsParam === "y";
      reply.type(`${MEDIA_CAR}; version=1; order=dfs; dups=${dups ? "y" : "n"}`);
      reply.header("etag", `"${cid}.car.${scope}.dfs.${dups ? "y" : "n"}"`);
      reply.header("content-disposition", `attachment; filename="${cid}.car"`);
      if (request.method === "HEAD") return sendHeadersOnly(reply);
      const abort = new AbortController();
      reply.raw.once("close", () => abort.abort());
      const blocks = walkDag(cid, read, {
        signal: abort.signal,
        dups,
        maxBlocks: scope === "block" ? 1 : undefined,
      });
      const body = (async function* () {
        for await (const chunk of carStream(cid, blocks)) {
          served?.inc(chunk.byteLength);
          yield chunk;
        }
      })();
      return reply.send(Readable.from(body, { objectMode: false }));
    },
  );
}
