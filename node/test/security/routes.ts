/**
 * Helpers shared by the security tests: the routes a running API server has registered,
 * read from its own router (so a route added later is covered without editing a list),
 * the node's API server behind a test node, and raw HTTP requests whose paths reach the
 * server exactly as written (fetch would normalise `..` and `\`).
 */
import { request as httpRequest } from "node:http";
import type { FastifyInstance } from "fastify";
import { ApiServer } from "../../src/api/index.ts";
import type { TestNode } from "../api/helpers.ts";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const MUTATING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface Route {
  method: HttpMethod;
  /** The path as registered, with `:param` placeholders. */
  url: string;
}

/**
 * Every route of `app`, one per method. Fastify has no route list, but its router prints
 * one tree per method: with `commonPrefix: false` each printed node is a route, and its
 * path is its ancestors' keys joined.
 */
export function listRoutes(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  for (const method of HTTP_METHODS) {
    const tree = app.printRoutes({ method, commonPrefix: false });
    const stack: string[] = [];
    for (const line of tree.split("\n")) {
      const match = /^((?:[│ ] {3})*)[├└]── (.*)$/u.exec(line);
      if (match === null) continue;
      const depth = (match[1] ?? "").length / 4;
      const key = (match[2] ?? "").replace(/ \([A-Z, ]+\).*$/, "");
      stack.length = depth;
      stack.push(key);
      if (/ \([A-Z, ]+\)/.test(match[2] ?? "")) routes.push({ method, url: stack.join("") });
    }
  }
  return routes;
}

/** The node's own API server (the daemon keeps it private; the tests read its router). */
export function apiServerOf(node: TestNode): ApiServer {
  const api = (node.node as unknown as { api?: unknown }).api;
  if (!(api instanceof ApiServer)) throw new Error("the test node has no API server");
  return api;
}

/** A sample value per path parameter, valid in form so that only the one under test is bad. */
export function fillParams(url: string, values: Record<string, string>, fallback = "x"): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => values[name] ?? fallback);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with `path` sent byte for byte as given. */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Uint8Array,
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    // Node sends a DELETE's body without framing unless told its length.
    const framing = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method, headers: { ...framing, ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    // A server that answers before reading the whole body may close the socket under us.
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ECONNRESET") return;
      reject(err);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The `error` object of an API error body, or undefined when the body is not one. */
export function apiError(body: string): { code: string; message: string; field?: string } | undefined {
  try {
    return (JSON.parse(body) as { error?: { code: string; message: string; field?: string } }).error;
  } catch {
    return undefined;
  }
}
