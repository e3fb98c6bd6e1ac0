/**
 * Writes docs/api.md, the REST API reference, from the OpenAPI document that the route
 * schemas produce. Run `npm run generate:api-docs -w @cairn/node` after changing a route.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument, renderApiReference } from "../src/api/reference.ts";

const target = fileURLToPath(new URL("../../docs/api.md", import.meta.url));
await writeFile(target, renderApiReference(await buildOpenApiDocument()));
console.log(`wrote ${target}`);
