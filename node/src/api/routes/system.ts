/** Liveness, node info, Prometheus metrics and the OpenAPI document. */
import type { FastifyInstance } from "fastify";
import { API_PREFIX, API_VERSION, OPENAPI_PATH } from "../constants.ts";
import { NotFoundApiError } from "../errors.ts";
import type { RouteContext } from "../server.ts";
import { NODE_VERSION } from "../version.ts";

const errors = { 404: { $ref: "Error#" } };

export async function systemRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get(
    `${API_PREFIX}/health`,
    {
      schema: {
        tags: ["node"],
        summary: "Liveness",
        description: "Answers 200 while the node runs.",
        response: {
          200: {
            type: "object",
            required: ["status"],
            properties: { status: { type: "string", enum: ["ok"] } },
          },
        },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    `${API_PREFIX}/info`,
    {
      schema: {
        tags: ["node"],
        summary: "Node identity, addresses and versions",
        description: "The peer id and libp2p addresses are absent when the node runs with p2p.enabled off.",
        response: {
          200: {
            type: "object",
            required: ["versions", "addresses", "datasets"],
            properties: {
              walletAddress: {
                type: "string",
                pattern: "^0x[0-9a-fA-F]{40}$",
                description: "The node wallet.",
              },
              chainId: { type: "integer", description: "The chain the node is configured for." },
              peerId: { type: "string", description: "The node's libp2p peer id." },
              addresses: {
                type: "object",
                required: ["api"],
                properties: {
                  api: { type: "string", description: "The REST API's URL." },
                  p2p: {
                    type: "array",
                    items: { type: "string" },
                    description: "The libp2p multiaddrs peers can dial, each ending in /p2p/<peer id>.",
                  },
                },
              },
              versions: {
                type: "object",
                required: ["node", "api", "runtime"],
                properties: {
                  node: { type: "string", description: "@cairn/node's version." },
                  api: { type: "string", description: "The REST API's version." },
                  runtime: { type: "string", description: "Node.js's version." },
                },
              },
              datasets: { type: "integer", description: "Datasets stored locally." },
            },
          },
        },
      },
    },
    async () => ({
      walletAddress: ctx.components.walletAddress,
      chainId: ctx.init.chainId,
      peerId: ctx.components.network?.peerId.toString(),
      addresses: { api: ctx.url(), p2p: ctx.components.network?.getMultiaddrs().map(String) },
      versions: { node: NODE_VERSION, api: API_VERSION, runtime: process.versions.node },
      datasets: ctx.components.metadata.datasets.count(),
    }),
  );

  app.get(
    `${API_PREFIX}/auth`,
    {
      config: { auth: true },
      schema: {
        tags: ["node"],
        summary: "Check the API token",
        description:
          "Answers 204 when the request carries the node's token, 401 otherwise. Clients call it before a long upload, which the node would refuse without reading.",
        security: [{ bearer: [] }],
        response: { 204: { type: "null" }, 401: { $ref: "Error#" } },
      },
    },
    async (_request, reply) => reply.code(204).send(),
  );

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["node"],
        summary: "Prometheus metrics",
        description: "The Prometheus text format. 404 when metrics.enabled is false.",
        produces: ["text/plain"],
        response: { 200: { type: "string" }, ...errors },
      },
    },
    async (_request, reply) => {
      const registry = ctx.components.metrics;
      if (!ctx.init.metricsEnabled || registry === undefined) {
        throw new NotFoundApiError("metrics are disabled (metrics.enabled)");
      }
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );

  app.get(
    OPENAPI_PATH,
    { schema: { tags: ["node"], summary: "This API's OpenAPI 3 document", hide: true } },
    async () => app.swagger(),
  );
}
