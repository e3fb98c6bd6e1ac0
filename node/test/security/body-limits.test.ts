/**
 * Oversized bodies: every JSON route (read from the server's router) refuses a body over
 * `api.bodyLimit` with 413 PAYLOAD_TOO_LARGE, declared or streamed; the upload route
 * refuses one over `api.uploadLimit` the same way; and nothing is stored: no dataset, and
 * not one block file more than before.
 */
import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDirLayout } from "../../src/store/index.ts";
import { bytesOf, startTestNode, TOKEN, type TestNode, upload } from "../api/helpers.ts";
import { apiError, apiServerOf, fillParams, listRoutes, rawRequest } from "./routes.ts";

const BODY_LIMIT = 1024;
const UPLOAD_LIMIT = 1024 * 1024;
/** A streamed upload that passes UPLOAD_LIMIT only after several 256 KiB blocks are written. */
const STREAMED_OVER_LIMIT = UPLOAD_LIMIT + 512 * 1024;
/** Routes whose body is raw bytes, not JSON, limited by the upload limit or the slot size. */
const RAW_BODY_ROUTES = new Set(["/api/v1/data", "/api/v1/slots/:requestId/:index"]);

/** A body of `size` bytes in `pieces` chunks, with no Content-Length (chunked encoding). */
function chunked(size: number, pieces = 4): ReadableStream<Uint8Array> {
  const bytes = bytesOf(size, 7);
  const step = Math.ceil(size / pieces);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= size) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + step));
      offset += step;
    },
  });
}

describe("oversized bodies", () => {
  let node: TestNode;
  let blocksBefore: string[];
  const auth = { authorization: `Bearer ${TOKEN}` };
  const blockFiles = async () =>
    (await readdir(dataDirLayout(node.dataDir).blocks, { recursive: true })).sort();
  const datasets = async () =>
    ((await (await fetch(`${node.apiUrl}/api/v1/data`)).json()) as { total: number }).total;
  /** Uploads STREAMED_OVER_LIMIT bytes in 24 chunks, with no Content-Length to refuse it early. */
  const uploadStreamedOverLimit = () =>
    fetch(`${node.apiUrl}/api/v1/data`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: chunked(STREAMED_OVER_LIMIT, 24),
      duplex: "half",
    } as RequestInit);

  beforeAll(async () => {
    node = await startTestNode({
      "api-body-limit": String(BODY_LIMIT),
      "api-upload-limit": String(UPLOAD_LIMIT),
    });
    blocksBefore = await blockFiles();
  });
  afterAll(async () => node?.cleanup());

  it("refuses a JSON body over api.bodyLimit on every JSON route with 413 PAYLOAD_TOO_LARGE", async () => {
    const routes = listRoutes(apiServerOf(node).fastify).filter(
      (r) => r.method === "POST" && !RAW_BODY_ROUTES.has(r.url),
    );
    expect(routes.length).toBeGreaterThanOrEqual(12);
    // Valid JSON, so only its size is at fault.
    const big = JSON.stringify({ cid: "x".repeat(BODY_LIMIT), duration: 1 });
    for (const route of routes) {
      const path = fillParams(route.url, {
        id: `0x${"11".repeat(32)}`,
        requestId: `0x${"22".repeat(30)}0000`,
      });
      const declared = await rawRequest(
        node.apiUrl,
        "POST",
        path,
        { ...auth, "content-type": "application/json" },
        big,
      );
      expect(declared.status, `${route.url}: ${declared.body}`).toBe(413);
      expect(apiError(declared.body), route.url).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "body" });

      const streamed = await fetch(`${node.apiUrl}${path}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: chunked(4 * BODY_LIMIT),
        duplex: "half",
      } as RequestInit);
      expect(streamed.status, route.url).toBe(413);
      expect(apiError(await streamed.text()), route.url).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    }
  });

  it("refuses an upload declared over api.uploadLimit with 413, and stores nothing", async () => {
    const res = await upload(node, bytesOf(UPLOAD_LIMIT + 1));
    expect(res.status).toBe(413);
    expect(apiError(await res.text())).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "body" });
    expect(await datasets()).toBe(0);
    expect(await blockFiles()).toEqual(blocksBefore);
  });

  it("refuses a streamed upload that grows over api.uploadLimit with 413, and keeps none of its blocks", async () => {
    const res = await uploadStreamedOverLimit();
    expect(res.status).toBe(413);
    expect(apiError(await res.text())).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "body" });
    expect(await datasets()).toBe(0);
    expect(await blockFiles()).toEqual(blocksBefore);
  });

  it("keeps the blocks a refused upload shares with a stored dataset", async () => {
    // The first 512 KiB of the refused body, stored on its own: its blocks are the refused upload's first ones.
    const kept = await upload(node, bytesOf(STREAMED_OVER_LIMIT, 7).subarray(0, 512 * 1024));
    expect(kept.status).toBe(201);
    const { cid } = (await kept.json()) as { cid: string };
    const withKept = await blockFiles();
    expect(withKept.length).toBeGreaterThan(blocksBefore.length);
    const res = await uploadStreamedOverLimit();
    expect(res.status).toBe(413);
    expect(await blockFiles()).toEqual(withKept);
    const back = await fetch(`${node.apiUrl}/api/v1/data/${cid}`);
    expect(back.status).toBe(200);
    expect(
      Buffer.from(await back.arrayBuffer()).equals(
        Buffer.from(bytesOf(STREAMED_OVER_LIMIT, 7).subarray(0, 512 * 1024)),
      ),
    ).toBe(true);
  });

  it("still takes a body at the limits", async () => {
    const res = await upload(node, bytesOf(UPLOAD_LIMIT));
    expect(res.status).toBe(201);
  });
});
