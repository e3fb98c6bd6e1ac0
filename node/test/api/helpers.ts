import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigFlags, loadConfig, type NodeConfig } from "../../src/config/index.ts";
import { type RunningNode, startCairnNode } from "../../src/daemon/index.ts";
import { LogManager } from "../../src/logging/index.ts";

export const TOKEN = "test-token-0123456789abcdef";

export interface TestNode extends RunningNode {
  dataDir: string;
  config: NodeConfig;
  /** Headers with the bearer token. */
  auth: Record<string, string>;
  cleanup(): Promise<void>;
}

const quiet = new LogManager({ level: "silent" });

/** A real node (stores on disk in a temp folder, Fastify on a free loopback port, dev wallet). */
export async function startTestNode(flags: ConfigFlags = {}, withToken = true): Promise<TestNode> {
  const dataDir = await mkdtemp(join(tmpdir(), "cairn-api-"));
  const loaded = loadConfig({
    env: {},
    flags: {
      "data-dir": dataDir,
      "wallet-dev-account": "provider1",
      // Free loopback ports: test files run in parallel.
      "p2p-listen": "/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws",
      ...flags,
    },
  });
  const config = {
    ...loaded.config,
    api: { ...loaded.config.api, port: 0, token: withToken ? TOKEN : loaded.config.api.token },
  } as NodeConfig;
  const node = await startCairnNode(config, {
    configureLogging: false,
    logger: quiet.logger("node"),
    stripeWorkers: 1,
  });
  return {
    ...node,
    dataDir,
    config,
    auth: { authorization: `Bearer ${TOKEN}` },
    async cleanup() {
      await node.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deterministic pseudo-random bytes. */
export function bytesOf(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

export async function upload(
  node: TestNode,
  body: Uint8Array,
  query = "",
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${node.apiUrl}/api/v1/data${query}`, {
    method: "POST",
    headers: { ...node.auth, "content-type": "application/octet-stream", ...headers },
    body,
  });
}

export async function errorOf(
  response: Response,
): Promise<{ code: string; message: string; field?: string }> {
  const json = (await response.json()) as { error: { code: string; message: string; field?: string } };
  return json.error;
}
