import { readFileSync } from "node:fs";
import { NODE_PACKAGE_JSON } from "../utils/package-json.ts";

/** @cairn/node's version, for `/api/v1/info`, `cairn --version` and the OpenAPI document. */
export const NODE_VERSION: string = (
  JSON.parse(readFileSync(NODE_PACKAGE_JSON, "utf8")) as { version: string }
).version;
