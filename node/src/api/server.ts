import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { Logger } from "../logging/index.ts";
import { logger as defaultLogger } from "../logging/index.ts";
import { type Counter, counter, type Histogram, histogram } from "../metrics/index.ts";
import type { Startable } from "../utils/startable.ts";
import { checkBearer, tokenDigest } from "./auth.ts";
import {
  API_VERSION,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_UPLOAD_STRIPE_WORKERS,
  ENCRYPTION_KEY_HEADER,
} from "./constants.ts";
import {
  ApiError,
  ApiServerNotStartedError,
  CorsOriginRefusedError,
  NotFoundApiError,
  PayloadTooLargeError,
  RangeNotSatisfiableError,
} from "./errors.ts";
import type { ApiComponents, ApiInit } from "./index.ts";
import { channelRoutes } from "./routes/channels.ts";
import { dataRoutes } from "./routes/data.ts";
import { retrievalRoutes } from "./routes/data-network.ts";
import { gatewayRoutes } from "./routes/gateway.ts";
import { peerRoutes } from "./routes/peers.ts";
import { providerRoutes } from "./routes/provider.ts";
import { slotRoutes } from "./routes/slots.ts";
import { storageRoutes } from "./routes/storage.ts";
import { systemRoutes } from "./routes/system.ts";

const MiB = 1024 * 1024;
const DEFAULT_BODY_LIMIT = MiB;
const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * MiB;

export { NODE_VERSION } from "./version.ts";

export interface ApiMetrics {
  requests: Counter<"method" | "route" | "status">;
  seconds: Histogram<"method" | "route">;
  uploadedBytes: Counter;
  servedBytes: Counter;
  /** Bytes fetched from other nodes for downloads of data not held here. */
  retrievedBytes: Counter;
  /** Downloads that went to the network, by outcome. */
  retrievals: Counter<"outcome">;
}

/** What the route modules share. */
export interface RouteContext {
  components: ApiComponents;
  init: Required<Omit<ApiInit, "chainId" | "token">> & { chainId: number | undefined };
  log: Logger;
  metrics: ApiMetrics | undefined;
  /** Throws 401 unless the request carries the token. */
  authorize(request: FastifyRequest): void;
  /** The URL the server listens on, once started. */
  url(): string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route mutates the node and needs the bearer token. */
    auth?: boolean;
  }
}

/** The body of every error response. */
export const ERROR_SCHEMA = {
  $id: "Error",
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "Stable machine-readable code, e.g. INVALID_PARAMETER." },
        message: { type: "string" },
        field: { type: "string", description: "The parameter, header or body at fault, when there is one." },
      },
    },
  },
} as const;

function errorBody(code: string, message: string, field?: string) {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/** The field an ajv validation error is about: `k` for `/k`, the missing or extra property. */
function validationField(error: FastifyError): string {
  const first = error.validation?.[0];
  const params = (first?.params ?? {}) as Record<string, unknown>;
  const named = params.missingProperty ?? params.additionalProperty;
  if (typeof named === "string") return named;
  const path = first?.instancePath.replace(/^\//, "").replace(/\//g, ".") ?? "";
  if (path !== "") return path;
  return error.validationContext ?? "request";
}

/** One readable sentence for an ajv error: "k must be <= 256", "unknown query parameter color". */
function validationMessage(error: FastifyError, field: string): string {
  const first = error.validation?.[0];
  const where =
    error.validationContext === "querystring" ? "query parameter" : (error.validationContext ?? "field");
  switch (first?.keyword) {
    case "additionalProperties":
      return `unknown ${where} ${field}`;
    case "required":
      return `${where} ${field} is required`;
    case "enum":
      return `${field} must be one of ${((first.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(", ")}`;
    default:
      return `${field} ${first?.message ?? "is invalid"}`;
  }
}

/**
 * The HTTP server. `start()` builds the Fastify app and listens; `stop()` stops accepting
 * connections and waits for requests in flight.
 */
export class ApiServer implements Startable {
  private readonly context: RouteContext;
  private readonly log: Logger;
  private app: FastifyInstance | undefined;
  private listening: string | undefined;
  private readonly port: number;
  private readonly host: string;

  constructor(components: ApiComponents, init: ApiInit) {
    this.log = components.logger ?? defaultLogger("api");
    this.host = init.host ?? "127.0.0.1";
    this.port = init.port ?? 8080;
    const expected = tokenDigest(init.token);
    this.context = {
      components,
      init: {
        host: this.host,
        port: this.port,
        corsOrigins: init.corsOrigins ?? [],
        bodyLimit: init.bodyLimit ?? DEFAULT_BODY_LIMIT,
        uploadLimit: init.uploadLimit ?? DEFAULT_UPLOAD_LIMIT,
        metricsEnabled: init.metricsEnabled ?? true,
        stripeWorkers: init.stripeWorkers ?? DEFAULT_UPLOAD_STRIPE_WORKERS,
        chainId: init.chainId,
      },
      log: this.log,
      metrics: components.metrics === undefined ? undefined : createMetrics(components.metrics),
      authorize: (request) => checkBearer(request.headers.authorization, expected),
      url: () => this.url,
    };
  }

  /** `http://host:port` the server listens on. */
  get url(): string {
    if (this.listening === undefined) throw new ApiServerNotStartedError("the API server is not started");
    return this.listening;
  }

  /** The Fastify instance, for `inject` in tests. */
  get fastify(): FastifyInstance {
    if (this.app === undefined) throw new ApiServerNotStartedError("the API server is not started");
    return this.app;
  }

  async start(): Promise<void> {
    if (this.app !== undefined) return;
    const app = await this.build();
    await app.listen({ host: this.host, port: this.port });
    const address = app.server.address();
    const port = typeof address === "object" && address !== null ? address.port : this.port;
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    this.listening = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
    this.app = app;
    this.log.info("REST API listening", { url: this.listening });
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    this.listening = undefined;
    await app?.close();
  }

  /** The OpenAPI document, built from the route schemas without listening (docs generation). */
  async openApiDocument(): Promise<Record<string, unknown>> {
    const app = await this.build();
    try {
      return app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await app.close();
    }
  }

  private async build(): Promise<FastifyInstance> {
    const { init } = this.context;
    const app = Fastify({
      logger: false,
      bodyLimit: init.bodyLimit,
      requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS,
      keepAliveTimeout: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      // Unknown query parameters are errors, not silently dropped.
      ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
      // Rejects `//api` and `%2e%2e` tricks as unknown routes rather than normalising them.
      // Long params reach the CID parser, which names the field, instead of a bare 414.
      routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 1000 },
      return503OnClosing: true,
      forceCloseConnections: "idle",
      // A path Fastify cannot decode (`%c0%ae`, overlong UTF-8) is refused before routing,
      // outside the error handler: answer it in the API's error shape too.
      frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
        reply.code(400).send(errorBody("INVALID_PARAMETER", error.message, "url"));
      },
    });
    app.server.headersTimeout = DEFAULT_HEADERS_TIMEOUT_MS;
    app.addSchema(ERROR_SCHEMA);
    // First, so that routes added by plugins (the CORS preflight route) use it too: Fastify
    // binds a route to the error handler in force when the route is added.
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      this.handleError(error, request, reply),
    );

    await app.register(swagger, {
      openapi: {
        openapi: "3.0.3",
        info: {
          title: "Cairn node REST API",
          version: API_VERSION,
          description:
            "Upload and download data, read dataset manifests, and fetch verifiable blocks and CARs " +
            "through the IPFS trustless-gateway convention. Errors are JSON `{ error: { code, message, field } }`.",
        },
        components: {
          securitySchemes: {
            bearer: { type: "http", scheme: "bearer", description: "The node's api.token." },
          },
        },
        tags: [
          { name: "data", description: "Local data: upload, download, manifests, listing, deletion" },
          { name: "gateway", description: "IPFS trustless gateway" },
          { name: "node", description: "Health, info and metrics" },
          { name: "network", description: "libp2p peers" },
          { name: "provider", description: "This node's provider account on the registry" },
          { name: "slots", description: "Slots this node sells: uploads from clients, and downloads" },
          { name: "storage", description: "Buying storage: quotes, requests, status, withdrawal" },
        ],
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });

    const origins = init.corsOrigins;
    // A preflight from an origin not in api.corsOrigins is refused (403) before the CORS
    // plugin, which would answer it 204 with the allowed methods and headers, only leaving
    // out Access-Control-Allow-Origin. Simple requests from such origins are still answered,
    // without CORS headers, so the browser keeps their answers from the page.
    app.addHook("onRequest", async (request) => {
      if (request.method !== "OPTIONS" || request.headers["access-control-request-method"] === undefined)
        return;
      const origin = request.headers.origin;
      if (origin === undefined || origins.includes("*") || origins.includes(origin)) return;
      throw new CorsOriginRefusedError(origin);
    });
    await app.register(cors, {
      // Per request: an origin not in the list gets no CORS header at all (with a list, the
      // plugin would still send the exposed headers), as a request without an Origin.
      origin:
        origins.length === 0
          ? false
          : origins.includes("*")
            ? "*"
            : (origin: string | undefined, allow: (err: Error | null, origin: string | false) => void) =>
                allow(null, origin !== undefined && origins.includes(origin) ? origin : false),
      methods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
      allowedHeaders: ["Authorization", "Content-Type", "Range", ENCRYPTION_KEY_HEADER],
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: CORS_MAX_AGE_SECONDS,
      strictPreflight: true,
    });

    app.addHook("onRequest", async (request) => {
      if (request.routeOptions.config.auth === true) this.context.authorize(request);
    });
    // A request refused before its body was read (401, 400, 413): close the connection
    // after the answer instead of reading, perhaps, gigabytes only to throw them away.
    app.addHook("onSend", async (request, reply) => {
      if (!request.raw.complete && reply.statusCode >= 400) reply.header("connection", "close");
    });
    const metrics = this.context.metrics;
    if (metrics !== undefined) {
      app.addHook("onResponse", async (request, reply) => {
        const route = request.routeOptions.url ?? "(unknown)";
        metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
        metrics.seconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
      });
    }

    app.setNotFoundHandler((request, reply) => {
      const err = new NotFoundApiError(`no route ${request.method} ${request.url.split("?")[0]}`);
      reply.code(404).send(errorBody(err.code, err.message));
    });

    await app.register(async (scope) => systemRoutes(scope, this.context));
    await app.register(async (scope) => dataRoutes(scope, this.context));
    await app.register(async (scope) => gatewayRoutes(scope, this.context));
    await app.register(async (scope) => peerRoutes(scope, this.context));
    await app.register(async (scope) => providerRoutes(scope, this.context));
    await app.register(async (scope) => slotRoutes(scope, this.context, this.context.components.sales));
    await app.register(async (scope) => storageRoutes(scope, this.context));
    await app.register(async (scope) => channelRoutes(scope, this.context));
    await app.register(async (scope) => retrievalRoutes(scope, this.context));
    await app.ready();
    return app;
  }

  private handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (reply.sent || reply.raw.headersSent) {
      // The body was already streaming; all that is left is to cut the connection.
      this.log.warn("request failed after the response started", { url: request.url, err: error });
      reply.raw.destroy(error);
      return;
    }
    // A body that failed before its first byte leaves the headers set for it (a download's
    // octet-stream type and length): the error answers in JSON instead.
    reply.removeHeader("content-length");
    reply.removeHeader("content-range");
    reply.type("application/json; charset=utf-8");
    if (error instanceof ApiError) {
      if (error instanceof RangeNotSatisfiableError) reply.header("content-range", `bytes */${error.size}`);
      if (error instanceof PayloadTooLargeError) reply.header("connection", "close");
      return reply.code(error.statusCode).send(errorBody(error.code, error.message, error.field));
    }
    if (error.validation !== undefined) {
      const field = validationField(error);
      return reply.code(400).send(errorBody("INVALID_PARAMETER", validationMessage(error, field), field));
    }
    switch (error.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        reply.header("connection", "close");
        return reply.code(413).send(errorBody("PAYLOAD_TOO_LARGE", error.message, "body"));
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return reply.code(415).send(errorBody("UNSUPPORTED_MEDIA_TYPE", error.message, "Content-Type"));
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
      case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
        return reply.code(400).send(errorBody("INVALID_PARAMETER", error.message, "body"));
    }
    switch (error.name) {
      case "NotFoundError":
      case "DatasetNotFoundError":
        return reply.code(404).send(errorBody("NOT_FOUND", error.message));
      case "DatasetHeldForDealError":
        return reply.code(409).send(errorBody("HELD_FOR_DEAL", error.message, "cid"));
      case "InvalidParameterError":
        return reply
          .code(400)
          .send(errorBody("INVALID_PARAMETER", error.message, (error as unknown as { field: string }).field));
      case "InvalidManifestError":
        return reply.code(400).send(errorBody("NOT_A_MANIFEST", error.message, "cid"));
      case "EncryptionFormatError":
        return reply.code(400).send(errorBody("INVALID_PARAMETER", error.message, "body"));
      case "StripeUnrecoverableError":
        // Not this node's fault: the providers found hold too few of a stripe's blocks.
        return reply.code(502).send(errorBody("UNRECOVERABLE", error.message, "cid"));
    }
    if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody(error.code ?? "BAD_REQUEST", error.message));
    }
    this.log.error("request failed", { method: request.method, url: request.url, err: error });
    return reply.code(500).send(errorBody("INTERNAL", "internal error; see the node's log"));
  }
}

function createMetrics(registry: NonNullable<ApiComponents["metrics"]>): ApiMetrics {
  return {
    requests: counter(registry, {
      name: "cairn_api_requests_total",
      help: "REST API requests by method, route and status",
      labelNames: ["method", "route", "status"],
    }),
    seconds: histogram(registry, {
      name: "cairn_api_request_seconds",
      help: "REST API request duration, until the last byte was sent",
      labelNames: ["method", "route"],
    }),
    uploadedBytes: counter(registry, {
      name: "cairn_api_uploaded_bytes_total",
      help: "Bytes received by POST /api/v1/data",
    }),
    servedBytes: counter(registry, {
      name: "cairn_api_served_bytes_total",
      help: "Bytes of data and blocks sent by downloads and the gateway",
    }),
    retrievedBytes: counter(registry, {
      name: "cairn_api_retrieved_bytes_total",
      help: "Bytes fetched from providers for downloads of data this node did not hold",
    }),
    retrievals: counter(registry, {
      name: "cairn_api_retrievals_total",
      help: "Downloads served from the network, by outcome (ok, not_found, failed)",
      labelNames: ["outcome"],
    }),
  };
}
