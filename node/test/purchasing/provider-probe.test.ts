/**
 * The quote's reachability probe against real HTTP servers on loopback: one that answers,
 * one that is gone, one that hangs, and one that answers with an error.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeProviderApi } from "../../src/purchasing/index.ts";
import { freePort } from "../helpers/devnet.ts";

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

describe("probeProviderApi", () => {
  const servers: Server[] = [];
  let up: string;
  let hanging: string;
  let failing: string;

  beforeAll(async () => {
    const answering = await listen((request, response) => {
      response.statusCode = request.url === "/api/v1/info" ? 200 : 404;
      response.end("{}");
    });
    const silent = await listen(() => {
      // Never answers: the probe must give up on its own.
    });
    const broken = await listen((_request, response) => {
      response.statusCode = 500;
      response.end();
    });
    servers.push(answering.server, silent.server, broken.server);
    up = answering.url;
    hanging = silent.url;
    failing = broken.url;
  });

  afterAll(() => {
    for (const server of servers) server.closeAllConnections();
    for (const server of servers) server.close();
  });

  it("is true for an API that answers its info route, with or without a trailing slash", async () => {
    expect(await probeProviderApi(up)).toBe(true);
    expect(await probeProviderApi(`${up}/`)).toBe(true);
  });

  it("is false for a port nobody listens on, an API that errs, and one that hangs past the timeout", async () => {
    expect(await probeProviderApi(`http://127.0.0.1:${await freePort()}`)).toBe(false);
    expect(await probeProviderApi(failing)).toBe(false);
    const started = Date.now();
    expect(await probeProviderApi(hanging, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
