import { ConfigError, loadConfig } from "../config/index.ts";
import { apiTokenPath, readApiTokenFile } from "../daemon/token.ts";
import type { ApiEndpoint } from "./client.ts";
import { API_TOKEN_ENV, API_URL_ENV } from "./constants.ts";
import { UsageError } from "./errors.ts";

/** The flags every client command takes to find its node. */
export const ENDPOINT_OPTIONS = {
  "api-url": { type: "string" },
  "data-dir": { type: "string" },
  config: { type: "string" },
} as const;

export const ENDPOINT_HELP = `Finding the node:
  --api-url <url>      the node's REST API (else $${API_URL_ENV}, else api.host and api.port
                       from the node's config)
  --data-dir <dir>     the node's data folder, for its config and its api-token file
  --config <file>      the node's config file
  The token for uploads comes from $${API_TOKEN_ENV}, else api.token, else <dataDir>/api-token.`;

export interface EndpointFlags {
  "api-url"?: string;
  "data-dir"?: string;
  config?: string;
}

/** Where the node is and its token, from flags, the environment and the node's own config. */
export async function resolveEndpoint(
  flags: EndpointFlags,
  env: Record<string, string | undefined>,
  needToken: boolean,
): Promise<ApiEndpoint> {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    const configFlags: Record<string, string> = {};
    if (flags["data-dir"] !== undefined) configFlags["data-dir"] = flags["data-dir"];
    if (flags.config !== undefined) configFlags.config = flags.config;
    loaded = loadConfig({ flags: configFlags, env });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.issues.map((i) => i.message).join("; "));
    throw err;
  }
  const { config } = loaded;
  let url = flags["api-url"] ?? env[API_URL_ENV];
  if (url !== undefined) {
    if (!URL.canParse(url) || !["http:", "https:"].includes(new URL(url).protocol)) {
      throw new UsageError(`--api-url must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
    }
    url = url.replace(/\/+$/, "");
  } else {
    const host =
      config.api.host === "0.0.0.0" ? "127.0.0.1" : config.api.host === "::" ? "::1" : config.api.host;
    url = `http://${host.includes(":") ? `[${host}]` : host}:${config.api.port}`;
  }
  let token = env[API_TOKEN_ENV] || config.api.token;
  if (token === undefined && needToken) token = await readApiTokenFile(apiTokenPath(config.dataDir));
  return { url, token };
}
