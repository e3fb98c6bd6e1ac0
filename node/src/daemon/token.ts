import { open, readFile, rename, stat, unlink } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { generateApiToken } from "../api/auth.ts";
import type { Logger } from "../logging/index.ts";
import { API_TOKEN_FILE, API_TOKEN_FILE_MODE } from "./constants.ts";
import { ApiTokenFileInvalidError } from "./errors.ts";

/** The shortest token accepted, as `api.token` requires. */
const MIN_TOKEN_LENGTH = 16;

export interface ApiTokenSource {
  token: string;
  /** `config` for api.token, `file` for an existing token file, `generated` on first start. */
  from: "config" | "file" | "generated";
  /** The token file, when the token lives in one. */
  path?: string;
}

export function apiTokenPath(dataDir: string): string {
  return join(dataDir, API_TOKEN_FILE);
}

/** Reads the token file, or `undefined` when there is none. The CLI uses this to talk to its node. */
export async function readApiTokenFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ApiTokenFileInvalidError(`${path} holds no token of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  return token;
}

/**
 * The token mutating endpoints require: `api.token` when set, else the one in
 * `<dataDir>/api-token`, else a new random one written there (mode 0600, atomically).
 */
export async function ensureApiToken(
  configured: string | undefined,
  dataDir: string,
  log: Logger,
): Promise<ApiTokenSource> {
  if (configured !== undefined) return { token: configured, from: "config" };
  const path = apiTokenPath(dataDir);
  const existing = await readApiTokenFile(path);
  if (existing !== undefined) {
    if (((await stat(path)).mode & 0o077) !== 0) {
      log.warn("the API token file is readable by other users; run chmod 600 on it", { path });
    }
    return { token: existing, from: "file", path };
  }
  const token = generateApiToken();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, "wx", API_TOKEN_FILE_MODE);
  try {
    await handle.writeFile(`${token}\n`);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await handle.close();
  await rename(temp, path);
  log.info("generated an API token for mutating endpoints", { path });
  return { token, from: "generated", path };
}
