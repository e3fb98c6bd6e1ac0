import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startTestNode, type TestNode } from "./helpers.ts";

describe("REST API basics", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ "api-cors-origins": "https://app.example" });
  });
  afterAll(async () => node?.cleanup());

  it("answers health", async () => {
    const res = await fetch(`${node.apiUrl}/api/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("reports info with the node's peer id and libp2p addresses", async () => {
    const res = await fetch(`${node.apiUrl}/api/v1/info`);
    const info = (await res.json()) as { peerId: string; addresses: { api: string; p2p: string[] } } & Record<
      string,
      unknown
    >;
    expect(res.status).toBe(200);
    expect(info.walletAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(info.chainId).toBe(98765);
    expect(info.peerId).toBe(node.node.network?.peerId.toString());
    expect(info.addresses.api).toBe(node.apiUrl);
    expect(info.addresses.p2p.length).toBe(2);
    for (const address of info.addresses.p2p)
      expect(address).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+(/ws)?/p2p/${info.peerId}$`));
    expect(info.versions).toMatchObject({ node: "0.1.0", api: "1.0.0", runtime: process.versions.node });
  });

  it("serves Prometheus metrics", async () => {
    await fetch(`${node.apiUrl}/api/v1/health`);
    const res = await fetch(`${node.apiUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('cairn_api_requests_total{method="GET",route="/api/v1/health",status="200"}');
    expect(text).toContain("process_cpu_seconds_total");
  });

  it("serves an OpenAPI 3 document built from the routes", async () => {
    const res = await fetch(`${node.apiUrl}/api/v1/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/health",
        "/api/v1/info",
        "/metrics",
        "/api/v1/data",
        "/api/v1/data/{cid}",
        "/api/v1/data/{cid}/manifest",
        "/ipfs/{cid}",
      ]),
    );
    expect(doc.paths["/api/v1/data"]).toHaveProperty("post");
    expect(doc.paths["/api/v1/data/{cid}"]).toHaveProperty("delete");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await fetch(`${node.apiUrl}/api/v1/nope`);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: "NOT_FOUND" });
  });

  it("allows the configured origin and no other", async () => {
    const allowed = await fetch(`${node.apiUrl}/api/v1/health`, {
      headers: { origin: "https://app.example" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const refused = await fetch(`${node.apiUrl}/api/v1/health`, {
      headers: { origin: "https://evil.example" },
    });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();

    const preflight = await fetch(`${node.apiUrl}/api/v1/data`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");

    const refusedPreflight = await fetch(`${node.apiUrl}/api/v1/data`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(refusedPreflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
