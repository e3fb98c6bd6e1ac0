/**
 * Path traversal through the REST API: every route parameter (read from the server's
 * router) and every JSON field that names content is given `..`, `/`, `\`, encoded,
 * double-encoded and overlong forms of them, with the token, so each request reaches its
 * handler. Each is refused with a 4xx JSON error, nothing outside the data folder is read
 * (a secret file beside it never shows up in an answer) or written (the folder around the
 * data folder is unchanged), and nothing inside it is deleted.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, startTestNode, TOKEN, type TestNode, upload } from "../api/helpers.ts";
import { apiError, apiServerOf, fillParams, listRoutes, type Route, rawRequest } from "./routes.ts";

const TRAVERSALS = [
  "..",
  "..%2f..%2fetc%2fpasswd",
  "..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
  "%2e%2e%2f%2e%2e%2fsecret.txt",
  "%2E%2E%2F%2E%2E%2Fsecret.txt",
  "%2e%2e",
  ".%2e",
  "%252e%252e%252fsecret.txt",
  "..%252f..%252fetc%252fpasswd",
  "%25252e%25252e%25252fsecret.txt",
  "..%5c..%5csecret.txt",
  "..%5C..%5C..%5Cetc%5Cpasswd",
  "..\\..\\secret.txt",
  "%255c..%255csecret.txt",
  "%c0%ae%c0%ae%c0%afsecret.txt",
  "%e0%80%ae%e0%80%ae%2fsecret.txt",
  "..%00",
  "secret.txt%00.bin",
  "%2fetc%2fpasswd",
  "%2f%2f..%2f..%2fetc%2fpasswd",
  "file:%2f%2f%2fetc%2fpasswd",
  // Names of what the data folder holds, as if they were content ids.
  "metadata.sqlite",
  "api-token",
  "blocks",
  "..%2fapi-token",
];

/** The same as the decoded strings a JSON body carries. */
const JSON_TRAVERSALS = [
  "..",
  "../../etc/passwd",
  "../secret.txt",
  "..\\..\\secret.txt",
  "%2e%2e%2fsecret.txt",
  "..%252fsecret.txt",
  "/etc/passwd",
  "file:///etc/passwd",
  "C:\\Windows\\win.ini",
  "secret.txt\u0000",
  "\u002e\u002e/secret.txt",
  "../api-token",
  "metadata.sqlite",
  "blocks",
];

/** A valid value for each parameter, so that only the one under test is hostile. */
const VALID: Record<string, string> = {
  id: `0x${"11".repeat(32)}`,
  requestId: `0x${"22".repeat(30)}0000`,
  index: "0",
};

describe("path traversal", () => {
  let root: string;
  let node: TestNode;
  let cid: string;
  let secret: string;
  let token: string;
  let rootBefore: string[];
  const answers: string[] = [];

  beforeAll(async () => {
    // The data folder inside a folder of our own, with a secret beside it.
    root = await mkdtemp(join(tmpdir(), "cairn-security-traversal-"));
    secret = `SECRET-${randomBytes(16).toString("hex")}`;
    await writeFile(join(root, "secret.txt"), secret);
    node = await startTestNode({ "data-dir": join(root, "data") });
    cid = ((await (await upload(node, bytesOf(5000))).json()) as { cid: string }).cid;
    token = TOKEN;
    rootBefore = (await readdir(root)).sort();
  });
  afterAll(async () => {
    await node?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

  /** Every answer must be a refusal, and must not carry anything read from disk. */
  const expectRefused = (what: string, res: { status: number; body: string }) => {
    answers.push(res.body);
    expect(res.status, `${what}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
    expect(res.status, `${what}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
    expect(apiError(res.body)?.code ?? "(none)", `${what}: ${res.body.slice(0, 200)}`).toMatch(
      /^(INVALID_PARAMETER|NOT_FOUND)$/,
    );
  };

  it("refuses traversal in every path parameter of every route", async () => {
    const routes = listRoutes(apiServerOf(node).fastify).filter(
      (r) => r.url.includes(":") && r.method !== "OPTIONS",
    );
    // The routes that take a CID or id from the path, at least.
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        "GET /api/v1/data/:cid",
        "DELETE /api/v1/data/:cid",
        "GET /api/v1/data/:cid/manifest",
        "GET /ipfs/:cid",
        "POST /api/v1/slots/:requestId/:index",
        "GET /api/v1/storage/requests/:requestId",
        "POST /api/v1/channels/:id/deposit",
      ]),
    );
    const params = (route: Route) => [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
    let sent = 0;
    for (const route of routes) {
      for (const param of params(route)) {
        for (const payload of TRAVERSALS) {
          const path = fillParams(route.url, { ...VALID, cid, [param]: payload });
          const query = route.url.startsWith("/ipfs/") ? "?format=raw" : "";
          const body = route.method === "POST" ? JSON.stringify({ amount: "1" }) : undefined;
          const res = await rawRequest(node.apiUrl, route.method, `${path}${query}`, auth(), body);
          if (route.method === "HEAD") {
            // No body to check: the status says it all.
            expect([400, 404], `HEAD ${path}`).toContain(res.status);
          } else {
            expectRefused(`${route.method} ${path}`, res);
          }
          sent++;
        }
      }
    }
    expect(sent).toBeGreaterThan(200);
  });

  it("refuses traversal in raw path segments before any route", async () => {
    for (const path of [
      "/api/v1/data/../../secret.txt",
      "/api/v1/data/../../../../../../etc/passwd",
      "/ipfs/../../secret.txt?format=raw",
      "/api/v1/data/./../secret.txt",
      "/api/v1/data//..//..//secret.txt",
      "/api/v1/data/..\\..\\secret.txt",
      "/..%2f..%2fsecret.txt",
      "/%2e%2e/%2e%2e/secret.txt",
      "/ipfs/%2e%2e/%2e%2e/etc/passwd",
    ]) {
      for (const method of ["GET", "DELETE"]) {
        const res = await rawRequest(node.apiUrl, method, path, auth());
        expectRefused(`${method} ${path}`, res);
      }
    }
  });

  it("refuses traversal in CIDs carried by JSON bodies", async () => {
    for (const value of JSON_TRAVERSALS) {
      for (const path of ["/api/v1/retrievals", "/api/v1/storage/requests", "/api/v1/storage/quote"]) {
        const res = await rawRequest(
          node.apiUrl,
          "POST",
          path,
          auth(),
          JSON.stringify({ cid: value, duration: 3600 }),
        );
        // The storage routes answer 503 on a node without a chain: they refuse before the CID.
        if (res.status === 503) {
          answers.push(res.body);
          continue;
        }
        expectRefused(`POST ${path} ${JSON.stringify(value)}`, res);
      }
    }
  });

  it("read nothing outside the data folder and wrote nothing there, and deleted nothing", async () => {
    expect(answers.length).toBeGreaterThan(200);
    for (const body of answers) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain("root:x:0:0");
      expect(body).not.toContain(token);
      expect(body).not.toContain("SQLite format");
    }
    expect((await readdir(root)).sort()).toEqual(rootBefore);
    expect(await readFile(join(root, "secret.txt"), "utf8")).toBe(secret);
    const res = await fetch(`${node.apiUrl}/api/v1/data/${cid}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytesOf(5000)))).toBe(true);
  });
});
