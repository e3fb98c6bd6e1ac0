/**
 * The CLI's side of the REST API: where the node is, its token, and the three calls the
 * commands make. Uploads and downloads stream (a file is never read whole) and report
 * typed progress events through `onProgress`.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { API_PREFIX } from "../api/constants.ts";
// The encryption module alone (not the core's index), so `cairn info` starts without
// loading the erasure codec's WASM.
import {
  DEFAULT_SEGMENT_SIZE,
  decryptStream,
  type EncryptionKey,
  encryptedSize,
  encryptStream,
} from "../core/encryption.ts";
import { ApiResponseError, CliError } from "./errors.ts";

export interface ApiEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Bearer token for mutating calls; reads work without one. */
  token: string | undefined;
}

/** A typed progress event, shaped like the core's (`type` and `detail`). */
export type TransferProgressEvent =
  /** `bytes` of the local file read (upload) or written (download) so far, of `total` when known. */
  | { type: "transfer:bytes"; detail: { bytes: number; total: number | undefined } }
  /** The node has all the bytes and is finishing (erasure coding the last stripe, the manifest). */
  | { type: "transfer:finishing"; detail: Record<string, never> };

export interface UploadedData {
  cid: string;
  rootCid: string;
  manifestCid?: string;
  size: number;
  received: number;
  encrypted: boolean;
  blockCount: number;
}

export interface NodeInfo {
  walletAddress?: string;
  chainId?: number;
  peerId?: string;
  addresses: { api: string; p2p?: string[] };
  versions: { node: string; api: string; runtime: string };
  datasets: number;
}

async function failure(response: Response): Promise<ApiResponseError> {
  let body: { error?: { code?: string; message?: string; field?: string } } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not JSON: a proxy or something that is not a Cairn node.
  }
  const error = body.error;
  return new ApiResponseError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `the node answered ${response.status} ${response.statusText}`,
    error?.field,
  );
}

async function call(endpoint: ApiEndpoint, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (endpoint.token !== undefined) headers.set("authorization", `Bearer ${endpoint.token}`);
  try {
    return await fetch(`${endpoint.url}${path}`, { ...init, headers });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      `cannot reach the node at ${endpoint.url} (${cause?.code ?? cause?.message ?? (err as Error).message}); is \`cairn start\` running?`,
    );
  }
}

export async function getInfo(endpoint: ApiEndpoint): Promise<NodeInfo> {
  const response = await call(endpoint, `${API_PREFIX}/info`);
  if (!response.ok) throw await failure(response);
  return (await response.json()) as NodeInfo;
}

/** GET a JSON resource of the API. */
export async function getJson<T>(endpoint: ApiEndpoint, path: string): Promise<T> {
  const response = await call(endpoint, `${API_PREFIX}${path}`);
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** POST a JSON body (or none) to the API and read its JSON answer. */
export async function postJson<T>(endpoint: ApiEndpoint, path: string, body?: unknown): Promise<T> {
  const response = await call(endpoint, `${API_PREFIX}${path}`, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export interface UploadFileOptions {
  erasure?: { k: number; m: number };
  /** Encrypt on this machine before sending; the key never leaves it. */
  encryptionKey?: EncryptionKey;
  onProgress?: (event: TransferProgressEvent) => void;
}

/**
 * Asks the node whether the token is right, before a long upload: the node refuses a
 * wrong token without reading the body and closes the connection, and a client still
 * sending may then see only a broken pipe instead of the 401.
 */
export async function checkToken(endpoint: ApiEndpoint): Promise<void> {
  const response = await call(endpoint, `${API_PREFIX}/auth`);
  if (!response.ok) throw await failure(response);
}

export async function uploadFile(
  endpoint: ApiEndpoint,
  path: string,
  options: UploadFileOptions = {},
): Promise<UploadedData> {
  const size = (await stat(path)).size;
  await checkToken(endpoint);
  let read = 0;
  const file = createReadStream(path);
  const counted = (async function* () {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      read += chunk.byteLength;
      options.onProgress?.({ type: "transfer:bytes", detail: { bytes: read, total: size } });
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    options.onProgress?.({ type: "transfer:finishing", detail: {} });
  })();
  const encrypted = options.encryptionKey !== undefined;
  const body = encrypted ? encryptStream(counted, options.encryptionKey as EncryptionKey) : counted;
  const length = encrypted ? encryptedSize(size, DEFAULT_SEGMENT_SIZE) : size;
  const query = new URLSearchParams();
  if (options.erasure !== undefined) {
    query.set("k", String(options.erasure.k));
    query.set("m", String(options.erasure.m));
  }
  if (encrypted) query.set("encrypted", "true");
  const qs = query.size > 0 ? `?${query}` : "";
  try {
    const response = await call(endpoint, `${API_PREFIX}/data${qs}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "content-length": String(length) },
      body: Readable.toWeb(Readable.from(body)) as ReadableStream<Uint8Array>,
      duplex: "half",
    } as RequestInit);
    if (!response.ok) throw await failure(response);
    return (await response.json()) as UploadedData;
  } finally {
    file.destroy();
  }
}

export interface DownloadOptions {
  /** Decrypt with this key (data uploaded with `--encrypt`). */
  encryptionKey?: EncryptionKey;
  /** Replace `output` if it exists. @default false */
  force?: boolean;
  onProgress?: (event: TransferProgressEvent) => void;
}

/**
 * Streams a CID into `output` through a temp file in the same folder, renamed into place
 * only once complete and fsynced: an interrupted download never leaves a partial file
 * under the final name. `output` `-` writes to stdout.
 */
export async function downloadFile(
  endpoint: ApiEndpoint,
  cid: string,
  output: string,
  options: DownloadOptions = {},
): Promise<{ bytes: number; written: number }> {
  const toStdout = output === "-";
  if (!toStdout && !options.force) {
    const exists = await stat(output).then(
      () => true,
      () => false,
    );
    if (exists) throw new CliError(`${output} exists; pass --force to replace it`);
  }
  const response = await call(endpoint, `${API_PREFIX}/data/${encodeURIComponent(cid)}`);
  if (!response.ok) throw await failure(response);
  if (response.body === null) throw new CliError("the node sent no body");
  const lengthHeader = response.headers.get("content-length");
  const total = lengthHeader === null ? undefined : Number(lengthHeader);
  let bytes = 0;
  const source = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  const counted = (async function* () {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      options.onProgress?.({ type: "transfer:bytes", detail: { bytes, total } });
      yield chunk;
    }
  })();
  const decrypted =
    options.encryptionKey === undefined ? counted : decryptStream(counted, options.encryptionKey);
  let written = 0;
  const plain = (async function* () {
    for await (const chunk of decrypted) {
      written += chunk.byteLength;
      yield chunk;
    }
  })();

  if (toStdout) {
    await pipeline(Readable.from(plain), process.stdout as unknown as Writable);
    return { bytes, written };
  }
  const temp = join(dirname(output), `.${basename(output)}.${process.pid}.cairn-download`);
  try {
    await pipeline(Readable.from(plain), createWriteStream(temp, { flags: "wx", mode: 0o644 }));
    const handle = await open(temp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, output);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  return { bytes, written };
}
