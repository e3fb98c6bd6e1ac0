/**
 * Download by reassembly: read the manifest from any provider, fetch whole slots block by
 * block from their hosts over HTTP (`GET {api}/api/v1/data/{blockCid}`), check every block
 * against its CID, rebuild the file from any k slots with the core's Reed-Solomon decoder,
 * and decrypt in the browser when it was encrypted.
 */
import {
  createErasureCodec,
  type DatasetManifest,
  decodeManifest,
  decodeSlots,
  decryptStream,
  ENCRYPTION_MAGIC,
} from "@cairn/node/core";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";

export class DownloadError extends Error {
  override name = "DownloadError";
}

export type DownloadProgress = { slot: number; blocks: number; of: number };

async function fetchBytes(url: string, fetchFn: typeof fetch): Promise<Uint8Array> {
  const response = await fetchFn(url);
  if (!response.ok) throw new DownloadError(`${url} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function checkedBlock(apiUrl: string, cid: CID, fetchFn: typeof fetch): Promise<Uint8Array> {
  const bytes = await fetchBytes(new URL(`/api/v1/data/${cid}`, apiUrl).toString(), fetchFn);
  const digest = await sha256.digest(bytes);
  if (!equalBytes(digest.digest, cid.multihash.digest))
    throw new DownloadError(`block ${cid} does not match its CID`);
  return bytes;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((x, i) => bytes[i] === x);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The manifest from the first provider that has it (the IPFS gateway's raw block), checked against its CID. */
export async function fetchManifest(
  cid: CID,
  apiUrls: readonly string[],
  fetchFn: typeof fetch = fetch,
): Promise<DatasetManifest> {
  const failures: string[] = [];
  for (const apiUrl of apiUrls) {
    try {
      const bytes = await fetchBytes(new URL(`/ipfs/${cid}?format=raw`, apiUrl).toString(), fetchFn);
      return await decodeManifest(bytes, cid);
    } catch (error) {
      failures.push(`${apiUrl}: ${(error as Error).message}`);
    }
  }
  throw new DownloadError(`no provider served the manifest (${failures.join("; ") || "no providers"})`);
}

async function fetchSlot(
  manifest: DatasetManifest,
  index: number,
  apiUrl: string,
  fetchFn: typeof fetch,
  onProgress: (p: DownloadProgress) => void,
): Promise<Uint8Array> {
  const slot = manifest.slots[index];
  if (slot === undefined) throw new DownloadError(`the manifest has no slot ${index}`);
  const out = new Uint8Array(slot.blocks.length * manifest.blockSize);
  for (const [stripe, cid] of slot.blocks.entries()) {
    out.set(await checkedBlock(apiUrl, cid, fetchFn), stripe * manifest.blockSize);
    onProgress({ slot: index, blocks: stripe + 1, of: slot.blocks.length });
  }
  return out;
}

export interface DownloadParams {
  /** The manifest CID (the request's `cid`). */
  cid: string;
  /** API URL of each slot's current host, by slot index (undefined where unknown). */
  slotApiUrls: readonly (string | undefined)[];
  /** The 32-byte key, for an encrypted dataset. */
  key?: Uint8Array;
  fetchFn?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
}

export async function downloadDataset(params: DownloadParams): Promise<Uint8Array> {
  const fetchFn = params.fetchFn ?? fetch;
  const onProgress = params.onProgress ?? (() => {});
  const cid = CID.parse(params.cid);
  const hosts = params.slotApiUrls.filter((url): url is string => url !== undefined);
  const manifest = await fetchManifest(cid, [...new Set(hosts)], fetchFn);

  // Data slots first: with all k of them no decoding work is needed beyond copying.
  const slots: (Uint8Array | undefined)[] = new Array(manifest.k + manifest.m).fill(undefined);
  let got = 0;
  for (let index = 0; index < slots.length && got < manifest.k; index++) {
    const apiUrl = params.slotApiUrls[index];
    if (apiUrl === undefined) continue;
    try {
      slots[index] = await fetchSlot(manifest, index, apiUrl, fetchFn, onProgress);
      got++;
    } catch {
      // This host failed; parity slots stand in for it.
    }
  }
  if (got < manifest.k)
    throw new DownloadError(`only ${got} of the ${manifest.k} slots needed could be fetched`);
  const codec = await createErasureCodec();
  const stored = decodeSlots(codec, slots, manifest);
  // A file encrypted before upload (the CLI, or the node's `encrypted=true`) has a manifest
  // that says plain bytes; the format's magic header tells them apart.
  const encrypted = manifest.encrypted || startsWith(stored, ENCRYPTION_MAGIC);
  if (!encrypted) return stored;
  if (params.key === undefined) throw new DownloadError("this file is encrypted: enter its key");
  const parts: Uint8Array[] = [];
  for await (const part of decryptStream([stored], params.key)) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
