/**
 * `cairn download`'s network step: asks the node to fetch a CID into its store with `POST
 * /api/v1/retrievals` and draws the per-provider progress it streams back (newline-delimited
 * JSON). The file itself is then read with the ordinary `GET /api/v1/data/{cid}`, locally.
 */
import { API_PREFIX } from "../api/constants.ts";
import type { ApiEndpoint } from "./client.ts";
import { ApiResponseError, CliError } from "./errors.ts";
import { formatBytes, type ProgressStream } from "./progress.ts";
import { PROGRESS_REDRAW_MS } from "./constants.ts";

export interface ProviderLine {
  peer: string;
  price: string;
  blocks: number;
  bytes: number;
  paid: string;
  dropped?: string;
}

export type RetrievalLine =
  | { type: "progress"; bytes: number; size: number; providers: ProviderLine[] }
  | { type: "done"; local: boolean; size: number; fetchedBlocks: number; providers: ProviderLine[] }
  | { type: "error"; code: string; message: string };

/** What the node said it fetched; `undefined` when it cannot fetch (no exchange or no token). */
export type RetrievalOutcome = Extract<RetrievalLine, { type: "done" }> | undefined;

/** The last few characters of a peer id: enough to tell providers apart on one line. */
function shortPeer(peer: string): string {
  return peer.length > 10 ? `…${peer.slice(-8)}` : peer;
}

function describeProvider(p: ProviderLine): string {
  const dropped = p.dropped === undefined ? "" : ` (dropped: ${p.dropped})`;
  return `${shortPeer(p.peer)} ${p.blocks} blocks ${formatBytes(p.bytes)} paid ${p.paid} wei${dropped}`;
}

/** Draws progress lines: one redrawn line on a terminal, a line per update elsewhere. */
export function createRetrievalProgress(stream: ProgressStream, quiet: boolean) {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  return {
    update(line: Extract<RetrievalLine, { type: "progress" }>) {
      if (quiet) return;
      const now = Date.now();
      if (tty && now - lastDraw < PROGRESS_REDRAW_MS) return;
      lastDraw = now;
      const percent = line.size > 0 ? Math.floor((line.bytes / line.size) * 100) : 100;
      const providers = line.providers.map((p) => `${shortPeer(p.peer)} ${formatBytes(p.bytes)}`).join(", ");
      const text = `fetch ${percent}% ${formatBytes(line.bytes)} / ${formatBytes(line.size)} from ${line.providers.length} provider(s): ${providers}`;
      stream.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
    },
    finish(done: NonNullable<RetrievalOutcome>) {
      if (quiet) return;
      if (tty) stream.write("\r\x1b[2K");
      if (done.local) return;
      stream.write(`fetched ${done.fetchedBlocks} blocks from ${done.providers.length} provider(s):\n`);
      for (const p of done.providers) stream.write(`  ${describeProvider(p)}\n`);
    },
  };
}

/**
 * Has the node fetch `cid` into its store, calling `onLine` for each line. Resolves with the
 * done line, or undefined when the node has no exchange (503) or the call has no token (401):
 * the download then reads whatever the node can serve.
 */
export async function fetchIntoNode(
  endpoint: ApiEndpoint,
  cid: string,
  onLine: (line: RetrievalLine) => void,
): Promise<RetrievalOutcome> {
  if (endpoint.token === undefined) return undefined;
  let response: Response;
  try {
    response = await fetch(`${endpoint.url}${API_PREFIX}/retrievals`, {
      method: "POST",
      headers: { authorization: `Bearer ${endpoint.token}`, "content-type": "application/json" },
      body: JSON.stringify({ cid }),
    });
  } catch (err) {
    throw new CliError(`cannot reach the node at ${endpoint.url} (${(err as Error).message})`);
  }
  if (response.status === 503 || response.status === 401) return undefined;
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string; field?: string };
    };
    throw new ApiResponseError(
      response.status,
      body.error?.code ?? `HTTP_${response.status}`,
      body.error?.message ?? `the node answered ${response.status}`,
      body.error?.field,
    );
  }
  if (response.body === null) throw new CliError("the node sent no body");
  const decoder = new TextDecoder();
  let buffered = "";
  let done: RetrievalOutcome;
  const handle = (text: string) => {
    if (text.trim() === "") return;
    const line = JSON.parse(text) as RetrievalLine;
    if (line.type === "error") throw new CliError(`the node could not fetch ${cid}: ${line.message}`);
    if (line.type === "done") done = line;
    onLine(line);
  };
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      handle(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  handle(buffered + decoder.decode());
  if (done === undefined) throw new CliError(`the node stopped before it had fetched ${cid}`);
  return done;
}
