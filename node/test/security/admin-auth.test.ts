/**
 * Every route that changes the node, and the token check itself, answers 401 without the
 * API token or with a wrong one, and does nothing. The routes come from the running
 * server's router, so a write route added later without `config: { auth: true }` fails
 * here unless it is listed in PUBLIC_WRITES with the reason it needs no token.
 */
import { readdir } from "node:fs/promises";
import { dataDirLayout } from "../../src/store/index.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, startTestNode, TOKEN, type TestNode, upload } from "../api/helpers.ts";
import {
  apiError,
  apiServerOf,
  fillParams,
  listRoutes,
  MUTATING_METHODS,
  type Route,
  rawRequest,
} from "./routes.ts";

/** Writes that take no token, and why. Each must exist and must not answer 401. */
const PUBLIC_WRITES: Record<string, string> = {
  // A client uploads a slot to the provider it chose; the chain, not a token, says whether
  // the provider may take it (see slot-upload.test.ts).
  "POST /api/v1/slots/:requestId/:index": "guarded by the on-chain request",
  // Prices a purchase from the registry's offers: reads only, changes nothing.
  "POST /api/v1/storage/quote": "read-only (a POST for its JSON body)",
};

/** Reads that only the operator may make. */
const ADMIN_READS = ["GET /api/v1/auth"];

const WRONG_CREDENTIALS: Array<[string, Record<string, string>]> = [
  ["no Authorization header", {}],
  ["a wrong token", { authorization: "Bearer wrong-token-0123456789abcdef" }],
  ["the token with another scheme", { authorization: `Basic ${TOKEN}` }],
  ["the token without a scheme", { authorization: TOKEN }],
  ["an empty bearer token", { authorization: "Bearer " }],
  ["the token less its last character", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
  ["the token plus a character", { authorization: `Bearer ${TOKEN}x` }],
  ["the token in upper case", { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
  ["the token twice", { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
  ["the token as a cookie", { cookie: `token=${TOKEN}` }],
];

const key = (route: Route) => `${route.method} ${route.url}`;

describe("admin routes need the API token", () => {
  let node: TestNode;
  let cid: string;
  let guarded: Route[];
  let allRoutes: Route[];
  let blocksBefore: string[];
  const blockFiles = async () =>
    (await readdir(dataDirLayout(node.dataDir).blocks, { recursive: true })).sort();

  beforeAll(async () => {
    node = await startTestNode();
    cid = ((await (await upload(node, bytesOf(1000))).json()) as { cid: string }).cid;
    blocksBefore = await blockFiles();
    allRoutes = listRoutes(apiServerOf(node).fastify);
    guarded = allRoutes.filter(
      (route) =>
        (MUTATING_METHODS.has(route.method) && PUBLIC_WRITES[key(route)] === undefined) ||
        ADMIN_READS.includes(key(route)),
    );
  });
  afterAll(async () => node?.cleanup());

  const pathOf = (route: Route, target = cid) =>
    fillParams(route.url, {
      cid: target,
      id: `0x${"11".repeat(32)}`,
      requestId: `0x${"22".repeat(30)}0000`,
      index: "0",
    });

  it("reads the routes from the server's router", () => {
    const keys = allRoutes.map(key);
    // The parser found the routes it should: a sample of each module's writes and reads.
    for (const known of [
      "POST /api/v1/data",
      "DELETE /api/v1/data/:cid",
      "GET /api/v1/data/:cid",
      "GET /api/v1/auth",
      "POST /api/v1/provider/register",
      "POST /api/v1/storage/requests",
      "POST /api/v1/storage/requests/:requestId/withdraw",
      "POST /api/v1/channels/:id/close",
      "POST /api/v1/retrievals",
      "GET /ipfs/:cid",
    ]) {
      expect(keys, known).toContain(known);
    }
    expect(guarded.length).toBeGreaterThanOrEqual(16);
    // No route is reachable through a method the auth hook might not expect.
    expect(allRoutes.filter((r) => r.method === "PUT" || r.method === "PATCH")).toEqual([]);
  });

  it("answers 401 UNAUTHORIZED to every guarded route without the right token", async () => {
    const failures: string[] = [];
    for (const route of guarded) {
      for (const [what, headers] of WRONG_CREDENTIALS) {
        const res = await rawRequest(
          node.apiUrl,
          route.method,
          pathOf(route),
          { ...headers, "content-type": "application/json" },
          route.method === "GET" ? undefined : "{}",
        );
        const error = apiError(res.body);
        if (res.status !== 401 || error?.code !== "UNAUTHORIZED" || error.field !== "Authorization") {
          failures.push(`${key(route)} with ${what}: ${res.status} ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("changed nothing: the dataset and its blocks are still there, and no other data", async () => {
    const list = (await (await fetch(`${node.apiUrl}/api/v1/data`)).json()) as {
      datasets: Array<{ cid: string }>;
      total: number;
    };
    expect(list.total).toBe(1);
    expect(list.datasets[0]?.cid).toBe(cid);
    const res = await fetch(`${node.apiUrl}/api/v1/data/${cid}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytesOf(1000)))).toBe(true);
    expect(await blockFiles()).toEqual(blocksBefore);
  });

  it("lets the right token through, so the 401s above are the token check's", async () => {
    // Inputs each route refuses by itself (a CID not held, an unknown query parameter, an
    // empty JSON body), so that the right token changes nothing either.
    const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    for (const route of guarded) {
      const res = await rawRequest(
        node.apiUrl,
        route.method,
        `${pathOf(route, missing)}${route.url === "/api/v1/data" ? "?color=blue" : ""}`,
        { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        route.method === "GET" ? undefined : "{}",
      );
      // 204 is GET /api/v1/auth's yes; 503 a route whose service (chain, payments) this
      // node runs without.
      expect([204, 400, 404, 503], `${key(route)}: ${res.body.slice(0, 200)}`).toContain(res.status);
    }
    expect(await blockFiles()).toEqual(blocksBefore);
  });

  it("keeps every public write on the list live: it exists and takes no token", async () => {
    const keys = new Set(allRoutes.map(key));
    for (const route of Object.keys(PUBLIC_WRITES)) {
      expect(keys.has(route), `${route} is on PUBLIC_WRITES but not a route`).toBe(true);
      const [method, url] = route.split(" ") as [string, string];
      const res = await rawRequest(node.apiUrl, method, pathOf({ method: method as Route["method"], url }), {
        "content-type": "application/json",
      });
      expect(res.status, route).not.toBe(401);
    }
  });
});
