import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, renderApiReference } from "../../src/api/reference.ts";

describe("API reference", () => {
  it("docs/api.md is generated from the current route schemas", async () => {
    const expected = renderApiReference(await buildOpenApiDocument());
    const actual = await readFile(new URL("../../../docs/api.md", import.meta.url), "utf8");
    // If this fails, run: npm run generate:api-docs -w @cairn/node
    expect(actual).toBe(expected);
  });

  it("marks the mutating routes as needing the bearer token", async () => {
    const doc = (await buildOpenApiDocument()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(doc.paths["/api/v1/data"]?.post?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/api/v1/data/{cid}"]?.delete?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/api/v1/data/{cid}"]?.get?.security).toBeUndefined();
  });
});
