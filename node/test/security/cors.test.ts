/**
 * CORS: a browser on an origin in `api.corsOrigins` gets the CORS headers, on a read and
 * on a preflight; any other origin (including look-alikes of the allowed one) gets none,
 * and its preflight is refused. A node with no `api.corsOrigins` allows no origin.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../api/helpers.ts";
import { apiError, rawRequest } from "./routes.ts";

const ALLOWED = "https://app.example";
const FOREIGN = [
  "https://evil.example",
  "http://app.example",
  "https://app.example:8443",
  "https://app.example.evil.example",
  "https://evilapp.example",
  "https://sub.app.example",
  "null",
  "https://app.example/",
  "HTTPS://APP.EXAMPLE.",
];

const preflight = (origin: string, method = "POST") => ({
  origin,
  "access-control-request-method": method,
  "access-control-request-headers": "authorization,content-type",
});

describe("CORS with api.corsOrigins set", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ "api-cors-origins": `${ALLOWED},https://other.example` });
  });
  afterAll(async () => node?.cleanup());

  it("gives an allowed origin the CORS headers on reads", async () => {
    for (const path of ["/api/v1/health", "/api/v1/data"]) {
      const res = await rawRequest(node.apiUrl, "GET", path, { origin: ALLOWED });
      expect(res.status).toBe(200);
      expect(res.headers["access-control-allow-origin"]).toBe(ALLOWED);
      expect(String(res.headers.vary)).toMatch(/origin/i);
      expect(String(res.headers["access-control-expose-headers"])).toContain("Content-Range");
    }
    const other = await rawRequest(node.apiUrl, "GET", "/api/v1/health", { origin: "https://other.example" });
    expect(other.headers["access-control-allow-origin"]).toBe("https://other.example");
  });

  it("answers an allowed origin's preflight with the methods and headers it may use", async () => {
    const res = await rawRequest(node.apiUrl, "OPTIONS", "/api/v1/data", preflight(ALLOWED));
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(String(res.headers["access-control-allow-methods"])).toContain("POST");
    expect(String(res.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
  });

  it("gives a foreign origin no CORS headers", async () => {
    for (const origin of FOREIGN) {
      for (const [method, path] of [
        ["GET", "/api/v1/health"],
        ["GET", "/api/v1/data"],
        ["POST", "/api/v1/data"],
      ] as const) {
        const res = await rawRequest(node.apiUrl, method, path, { origin });
        expect(
          res.headers["access-control-allow-origin"],
          `${method} ${path} from ${origin}`,
        ).toBeUndefined();
        expect(res.headers["access-control-allow-credentials"], origin).toBeUndefined();
        expect(res.headers["access-control-expose-headers"], origin).toBeUndefined();
      }
    }
  });

  it("refuses a foreign origin's preflight, naming the origin", async () => {
    for (const origin of FOREIGN) {
      for (const method of ["POST", "DELETE", "GET"]) {
        const res = await rawRequest(node.apiUrl, "OPTIONS", "/api/v1/data", preflight(origin, method));
        expect(res.status, `${method} preflight from ${origin}`).toBe(403);
        expect(apiError(res.body), origin).toMatchObject({ code: "CORS_ORIGIN_REFUSED", field: "Origin" });
        expect(res.headers["access-control-allow-origin"], origin).toBeUndefined();
        expect(res.headers["access-control-allow-methods"], origin).toBeUndefined();
        expect(res.headers["access-control-allow-headers"], origin).toBeUndefined();
      }
    }
  });
});

describe("CORS with no api.corsOrigins", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => node?.cleanup());

  it("allows no origin: no CORS headers, and preflights are refused", async () => {
    for (const origin of [ALLOWED, "https://evil.example", "null"]) {
      const res = await rawRequest(node.apiUrl, "GET", "/api/v1/health", { origin });
      expect(res.status).toBe(200);
      expect(res.headers["access-control-allow-origin"], origin).toBeUndefined();
      const pre = await rawRequest(node.apiUrl, "OPTIONS", "/api/v1/data", preflight(origin));
      expect(pre.status, origin).toBeGreaterThanOrEqual(400);
      expect(pre.headers["access-control-allow-origin"], origin).toBeUndefined();
      expect(pre.headers["access-control-allow-methods"], origin).toBeUndefined();
    }
  });
});
