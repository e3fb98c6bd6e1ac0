/**
 * The storage routes served over real HTTP before the API server registers them: a Fastify
 * instance with the data and storage routes, the real ApiServer's error handler (taken from
 * a started ApiServer, so errors are the API's `{ error: { code, message, field } }`) and
 * the same bearer check. Once server.ts registers `storageRoutes`, a test node serves the
 * same routes.
 */
import Fastify from "fastify";
import { createApiServer } from "../../src/api/index.ts";
import { checkBearer, tokenDigest } from "../../src/api/auth.ts";
import { dataRoutes } from "../../src/api/routes/data.ts";
import { storageRoutes } from "../../src/api/routes/storage.ts";
import { ERROR_SCHEMA, type RouteContext } from "../../src/api/server.ts";
import type { Logger } from "../../src/logging/index.ts";
import type { Purchasing } from "../../src/purchasing/index.ts";
import type { FsBlockstore } from "../../src/store/blocks/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";

export const TOKEN = "purchasing-test-token-0123456789";

export async function startStorageApi(
  components: { blockstore: FsBlockstore; metadata: MetadataStore; purchasing?: Purchasing },
  log: Logger,
): Promise<{ url: string; stop(): Promise<void> }> {
  const reference = createApiServer({ ...components, logger: log }, { token: TOKEN, port: 0 });
  await reference.start();
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });
  app.addSchema(ERROR_SCHEMA);
  app.setErrorHandler(reference.fastify.errorHandler);
  const expected = tokenDigest(TOKEN);
  let url = "";
  const ctx: RouteContext = {
    components: { ...components, logger: log },
    init: {
      host: "127.0.0.1",
      port: 0,
      corsOrigins: [],
      bodyLimit: 1024 * 1024,
      uploadLimit: 2 ** 30,
      metricsEnabled: false,
      stripeWorkers: 1,
      chainId: undefined,
    },
    log,
    metrics: undefined,
    authorize: (request) => checkBearer(request.headers.authorization, expected),
    url: () => url,
  };
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.auth === true) ctx.authorize(request);
  });
  await app.register(async (scope) => dataRoutes(scope, ctx));
  await app.register(async (scope) => storageRoutes(scope, ctx));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  return {
    url,
    async stop() {
      await app.close();
      await reference.stop();
    },
  };
}
