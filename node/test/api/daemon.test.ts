import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, type NodeConfig, startCairnNode } from "../../src/daemon/index.ts";
import { LogManager } from "../../src/logging/index.ts";

const quiet = new LogManager({ level: "silent" }).logger("node");
const dirs: string[] = [];

async function configIn(flags: Record<string, string> = {}): Promise<{ dir: string; config: NodeConfig }> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-daemon-"));
  dirs.push(dir);
  const { config } = loadConfig({
    env: {},
    flags: {
      "data-dir": dir,
      "wallet-dev-account": "provider1",
      // Free loopback ports: test files run in parallel.
      "p2p-listen": "/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws",
      ...flags,
    },
  });
  return { dir, config: { ...config, api: { ...config.api, port: 0 } } as NodeConfig };
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("startCairnNode", () => {
  it("generates an API token on first start (0600) and reuses it", async () => {
    const { dir, config } = await configIn();
    const first = await startCairnNode(config, { configureLogging: false, logger: quiet });
    expect(first.apiTokenPath).toBe(join(dir, "api-token"));
    const token = (await readFile(join(dir, "api-token"), "utf8")).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(join(dir, "api-token"))).mode & 0o777).toBe(0o600);
    const refused = await fetch(`${first.apiUrl}/api/v1/data`, { method: "POST", body: "x" });
    expect(refused.status).toBe(401);
    const accepted = await fetch(`${first.apiUrl}/api/v1/data`, {
      method: "POST",
      body: "x",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(accepted.status).toBe(201);
    await first.stop();

    const second = await startCairnNode(config, { configureLogging: false, logger: quiet });
    expect((await readFile(join(dir, "api-token"), "utf8")).trim()).toBe(token);
    // The dataset survived the restart.
    const list = (await (await fetch(`${second.apiUrl}/api/v1/data`)).json()) as { total: number };
    expect(list.total).toBe(1);
    await second.stop();
  });

  it("uses api.token when configured and writes no token file", async () => {
    const { dir, config } = await configIn({ "api-token": "configured-token-123456" });
    const node = await startCairnNode(config, { configureLogging: false, logger: quiet });
    expect(node.apiTokenPath).toBeUndefined();
    await expect(stat(join(dir, "api-token"))).rejects.toMatchObject({ code: "ENOENT" });
    await node.stop();
  });

  it("undoes a failed start: the stores are closed and the folder can be used again", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const { config } = await configIn();
    const busy = { ...config, api: { ...config.api, port } } as NodeConfig;
    await expect(startCairnNode(busy, { configureLogging: false, logger: quiet })).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    // The block store's LOCK was released, so a second start in the same folder works.
    const node = await startCairnNode(config, { configureLogging: false, logger: quiet });
    await node.stop();
  });

  it("stops idempotently", async () => {
    const { config } = await configIn();
    const node = await startCairnNode(config, { configureLogging: false, logger: quiet });
    await node.stop();
    await node.stop();
    await expect(fetch(`${node.apiUrl}/api/v1/health`)).rejects.toThrow();
  });
});
