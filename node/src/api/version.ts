import { readFileSync } from "node:fs";

/** @cairn/node's version, for `/api/v1/info`, `cairn --version` and the OpenAPI document. */
export const NODE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
