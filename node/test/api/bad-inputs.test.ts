import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, errorOf, startTestNode, TOKEN, type TestNode, upload } from "./helpers.ts";

/** Sends a raw request path, bypassing fetch's URL normalisation (`..` segments stay as sent). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("bad inputs", () => {
  let node: TestNode;
  let cid: string;
  beforeAll(async () => {
    node = await startTestNode({ "api-upload-limit": "64KiB" });
    cid = ((await (await upload(node, bytesOf(100))).json()) as { cid: string }).cid;
  });
  afterAll(async () => node?.cleanup());

  it.each([
    ["not-a-cid"],
    ["bafy"],
    ["Qm123"],
    ["bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52z"], // one character short
    ["z".repeat(200)],
    // A valid CID with an unsupported codec (dag-json) and one with an identity hash.
    ["baguqeeraq6zu5sbwoxwfwobccpoxkzfkcyhmohmc3lpxibn3vcynqvu6dsza"],
    ["bafkqaaa"],
  ])("refuses the CID %s with 400 naming cid", async (bad) => {
    const paths = [`/api/v1/data/${bad}`, `/api/v1/data/${bad}/manifest`];
    // The gateway takes identity CIDs: bafkqaaa is the trustless gateway's probe.
    if (bad !== "bafkqaaa") paths.push(`/ipfs/${bad}?format=raw`);
    for (const path of paths) {
      const res = await fetch(`${node.apiUrl}${path}`);
      expect(res.status, path).toBe(400);
      expect(await errorOf(res), path).toMatchObject({ code: "INVALID_PARAMETER", field: "cid" });
    }
  });

  it.each([
    "/api/v1/data/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/data/%2e%2e%2fmetadata.sqlite",
    "/ipfs/..%2Fapi-token?format=raw",
    "/api/v1/data/..",
    "/api/v1/data/%2E%2E",
  ])("never resolves %s to a file", async (path) => {
    const res = await rawGet(node.apiUrl, path);
    expect([400, 404]).toContain(res.status);
    const json = JSON.parse(res.body) as { error: { code: string } };
    expect(["INVALID_PARAMETER", "NOT_FOUND"]).toContain(json.error.code);
    expect(res.body).not.toContain(TOKEN);
  });

  it("refuses traversal in raw paths before routing", async () => {
    for (const path of ["/api/v1/data/../../api-token", "/ipfs/../api-token", "/api/v1/data/./x"]) {
      const res = await rawGet(node.apiUrl, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body).not.toContain(TOKEN);
    }
  });

  it("needs the bearer token for uploads and deletes", async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ["missing", {}],
      ["wrong", { authorization: "Bearer wrong-token-0123456789" }],
      ["wrong scheme", { authorization: `Basic ${TOKEN}` }],
      ["empty", { authorization: "Bearer " }],
      ["prefix of the token", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ];
    for (const [what, headers] of cases) {
      const post = await fetch(`${node.apiUrl}/api/v1/data`, { method: "POST", headers, body: "hello" });
      expect(post.status, what).toBe(401);
      expect(await errorOf(post), what).toMatchObject({ code: "UNAUTHORIZED", field: "Authorization" });
      const del = await fetch(`${node.apiUrl}/api/v1/data/${cid}`, { method: "DELETE", headers });
      expect(del.status, what).toBe(401);
      expect((await fetch(`${node.apiUrl}/api/v1/auth`, { headers })).status, what).toBe(401);
    }
    expect((await fetch(`${node.apiUrl}/api/v1/auth`, { headers: node.auth })).status).toBe(204);
    // Nothing was deleted.
    expect((await fetch(`${node.apiUrl}/api/v1/data/${cid}`)).status).toBe(200);
  });

  it("refuses bodies over the upload limit with 413", async () => {
    const res = await upload(node, bytesOf(64 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "body" });
    // Exactly at the limit is fine.
    expect((await upload(node, bytesOf(64 * 1024))).status).toBe(201);
  });

  it("refuses a chunked body that grows over the limit with 413", async () => {
    const chunks = [bytesOf(40 * 1024, 1), bytesOf(40 * 1024, 2)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    const res = await fetch(`${node.apiUrl}/api/v1/data`, {
      method: "POST",
      headers: node.auth,
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it.each([
    ["?k=0&m=1", "k"],
    ["?k=300&m=1", "k"],
    ["?k=abc&m=1", "k"],
    ["?k=2.5&m=1", "k"],
    ["?k=2&m=-1", "m"],
    ["?k=200&m=100", "m"],
    ["?k=2", "m"],
    ["?m=2", "k"],
    ["?encrypted=maybe", "encrypted"],
    ["?color=blue", "color"],
  ])("refuses upload parameters %s naming %s", async (query, field) => {
    const res = await upload(node, bytesOf(10), query);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "INVALID_PARAMETER", field });
  });

  it("refuses both an encryption key and encrypted=true", async () => {
    const res = await upload(node, bytesOf(10), "?encrypted=true", {
      "x-cairn-encryption-key": "ab".repeat(32),
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ field: "X-Cairn-Encryption-Key" });
  });

  it.each([
    ["?limit=0", "limit"],
    ["?limit=100000", "limit"],
    ["?offset=-1", "offset"],
    ["?limit=ten", "limit"],
    ["?sort=size", "sort"],
  ])("refuses list parameters %s naming %s", async (query, field) => {
    const res = await fetch(`${node.apiUrl}/api/v1/data${query}`);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "INVALID_PARAMETER", field });
  });

  it("404s content it does not hold, with JSON", async () => {
    const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    for (const path of [`/api/v1/data/${missing}`, `/api/v1/data/${missing}/manifest`]) {
      const res = await fetch(`${node.apiUrl}${path}`);
      expect(res.status, path).toBe(404);
      expect(await errorOf(res)).toMatchObject({ code: "NOT_FOUND", field: "cid" });
    }
    const del = await fetch(`${node.apiUrl}/api/v1/data/${missing}`, {
      method: "DELETE",
      headers: node.auth,
    });
    expect(del.status).toBe(404);
  });

  it("answers unknown routes and methods with JSON 404", async () => {
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/api/v2/data"],
      ["PUT", "/api/v1/data"],
      ["POST", "/api/v1/data/extra/path"],
    ] as const) {
      const res = await fetch(`${node.apiUrl}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await errorOf(res)).toMatchObject({ code: "NOT_FOUND" });
    }
  });

  it("names the cid when it is empty", async () => {
    const res = await fetch(`${node.apiUrl}/ipfs/?format=raw`);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ field: "cid" });
  });

  it("keeps serving after refused requests", async () => {
    expect((await fetch(`${node.apiUrl}/api/v1/health`)).status).toBe(200);
  });
});

describe("metrics disabled", () => {
  it("404s /metrics when metrics.enabled is false", async () => {
    const node = await startTestNode({ "metrics-enabled": "false" });
    try {
      const res = await fetch(`${node.apiUrl}/metrics`);
      expect(res.status).toBe(404);
    } finally {
      await node.cleanup();
    }
  });
});
