// Minimal JSON-RPC over HTTP (fetch), for start-up checks that must not depend on a client library.

export class RpcError extends Error {
  code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.name = "RpcError";
    this.code = code;
  }
}

export async function rpc<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  timeoutMs = 3000,
): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new RpcError(`${method}: HTTP ${res.status}`);
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error !== undefined) throw new RpcError(`${method}: ${body.error.message}`, body.error.code);
  return body.result as T;
}

/** The result, or undefined if the node does not answer (yet). */
export async function tryRpc<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  timeoutMs = 3000,
): Promise<T | undefined> {
  try {
    return await rpc<T>(url, method, params, timeoutMs);
  } catch {
    return undefined;
  }
}

export async function blockNumber(url: string): Promise<number | undefined> {
  const n = await tryRpc<string>(url, "eth_blockNumber");
  return n === undefined ? undefined : Number(BigInt(n));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
