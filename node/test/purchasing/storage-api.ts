/**
 * The node's real REST API server over the purchasing test's stores and purchasing
 * service, on a free loopback port, with a known token.
 */
import { createApiServer } from "../../src/api/index.ts";
import type { Logger } from "../../src/logging/index.ts";
import type { Purchasing } from "../../src/purchasing/index.ts";
import type { FsBlockstore } from "../../src/store/blocks/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";

export const TOKEN = "purchasing-test-token-0123456789";

export async function startStorageApi(
  components: { blockstore: FsBlockstore; metadata: MetadataStore; purchasing?: Purchasing },
  log: Logger,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createApiServer({ ...components, logger: log }, { token: TOKEN, port: 0, stripeWorkers: 1 });
  await server.start();
  return { url: server.url, stop: () => server.stop() };
}
