/**
 * What the API needs from a DAG in the block store, over the core's UnixFS reader: the
 * size of a file before streaming it (for Content-Length and Range), its bytes, every
 * block of a DAG in depth-first order, and CARv1 framing for the trustless gateway.
 *
 * A thin adapter: the core's `exportFile` streams bytes but does not say the size first,
 * so `statFile` asks ipfs-unixfs-exporter directly.
 */
import * as dagCbor from "@ipld/dag-cbor";
import * as dagPb from "@ipld/dag-pb";
import { exporter } from "ipfs-unixfs-exporter";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { varint } from "multiformats";
import { concat } from "uint8arrays/concat";
import { type BlockReader, decodeManifest, verifyBlock } from "../core/index.ts";
import { DOWNLOAD_BLOCK_READ_AHEAD, DOWNLOAD_BLOCK_READ_CONCURRENCY } from "./constants.ts";
import { InvalidParameterApiError } from "./errors.ts";

export interface FileStat {
  /** The UnixFS root whose bytes are served (a manifest's `root` when given a manifest). */
  root: CID;
  size: number;
  /** Set when the CID asked for was a dataset manifest. */
  manifestCid?: CID;
}

/** Resolves a CID to a file: a UnixFS root as is, a dataset manifest to its file. */
export async function statFile(cid: CID, read: BlockReader): Promise<FileStat> {
  let root = cid;
  let manifestCid: CID | undefined;
  if (cid.code === dagCbor.code) {
    const manifest = await decodeManifest(await read(cid), cid);
    manifestCid = cid;
    root = manifest.root;
  }
  const store = {
    async *get(key: CID) {
      const bytes = await read(CID.decode(key.bytes));
      await verifyBlock(CID.decode(key.bytes), bytes);
      yield bytes;
    },
  };
  const entry = await exporter(root.toString(), store);
  if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity") {
    throw new InvalidParameterApiError("cid", `${cid} is a UnixFS ${entry.type}, not a file`);
  }
  return { root, size: Number(entry.size), manifestCid };
}

/**
 * Streams `length` bytes of a file from `offset`, each block checked against its CID.
 *
 * Not the core's `exportFile`, for memory: ipfs-unixfs-exporter walks the DAG into an
 * unbounded queue, as fast as the disk reads, whatever the consumer takes (measured: a
 * 256 MiB download held 200 MiB of blocks ahead of the HTTP client), and its
 * `blockReadConcurrency` defaults to all (up to 174) children of a node at once. Here a
 * gate in front of the block reads keeps at most DOWNLOAD_BLOCK_READ_AHEAD leaves read
 * (or being read) and not yet yielded.
 */
export async function* readFile(
  root: CID,
  read: BlockReader,
  options: {
    offset?: number;
    length?: number;
    signal?: AbortSignal;
    /** Called with each block's bytes once the exporter no longer needs them. */
    release?: (bytes: Uint8Array) => void;
  } = {},
): AsyncGenerator<Uint8Array> {
  // Raw leaves read or being read and not yet yielded. Each raw block the exporter reads
  // for a file's content gives exactly one chunk, so a yield frees one place. (Data in
  // dag-pb nodes is not gated: such chunks only free places, which keeps this from ever
  // waiting on a chunk that will not come.)
  let ahead = 0;
  const waiting: Array<() => void> = [];
  const wakeAll = () => {
    for (let wake = waiting.shift(); wake !== undefined; wake = waiting.shift()) wake();
  };
  options.signal?.addEventListener("abort", wakeAll, { once: true });
  const store = {
    async *get(key: CID) {
      const cid = CID.decode(key.bytes);
      if (cid.code === raw.code) {
        // Reads start in file order, so the leaves holding the places are earlier ones,
        // which the consumer can take without this one: no deadlock.
        while (ahead >= DOWNLOAD_BLOCK_READ_AHEAD && options.signal?.aborted !== true) {
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
        options.signal?.throwIfAborted();
        ahead++;
      }
      const bytes = await read(cid);
      await verifyBlock(cid, bytes);
      yield bytes;
      // The exporter has taken the bytes: it reads every block through `it-to-buffer`,
      // which copies. Freeing ours now, not at some later GC, keeps a download's memory
      // flat (release.ts); a reader that keeps its bytes leaves `release` unset.
      options.release?.(bytes);
    },
  };
  try {
    const entry = await exporter(root.toString(), store, { signal: options.signal });
    if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity") {
      throw new InvalidParameterApiError("cid", `${root} is a UnixFS ${entry.type}, not a file`);
    }
    for await (const chunk of entry.content({
      offset: options.offset,
      length: options.length,
      signal: options.signal,
      blockReadConcurrency: DOWNLOAD_BLOCK_READ_CONCURRENCY,
    })) {
      if (ahead > 0) ahead--;
      waiting.shift()?.();
      yield chunk;
    }
  } finally {
    options.signal?.removeEventListener("abort", wakeAll);
  }
}

/** The CIDs a block links to, in order. */
export function links(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === raw.code) return [];
  if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map((link) => CID.decode(link.Hash.bytes));
  if (cid.code === dagCbor.code) {
    const found: CID[] = [];
    const visit = (value: unknown): void => {
      const asCid = CID.asCID(value);
      if (asCid) found.push(CID.decode(asCid.bytes));
      else if (Array.isArray(value)) for (const item of value) visit(item);
      else if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
        for (const item of Object.values(value)) visit(item);
      }
    };
    visit(dagCbor.decode(bytes));
    return found;
  }
  return [];
}

const IDENTITY_CODE = 0x00;

/**
 * Every block of the DAG under `root`, depth-first and pre-order, each checked against
 * its CID. With `dups: false` each block is sent once (the walk remembers the CIDs it
 * sent); with `dups: true` a block is sent every time the walk meets it, and nothing is
 * remembered. Identity CIDs are never sent: their bytes are in the CID.
 */
export async function* walkDag(
  root: CID,
  read: BlockReader,
  options: { dups?: boolean; signal?: AbortSignal; maxBlocks?: number } = {},
): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  let left = options.maxBlocks ?? Number.POSITIVE_INFINITY;
  const seen = options.dups === true ? undefined : new Set<string>();
  const stack: CID[] = [root];
  while (stack.length > 0 && left > 0) {
    options.signal?.throwIfAborted();
    const cid = stack.pop() as CID;
    if (cid.multihash.code === IDENTITY_CODE) continue;
    if (seen !== undefined) {
      const key = cid.toString();
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const bytes = await read(cid);
    await verifyBlock(cid, bytes);
    yield { cid, bytes };
    left--;
    const children = links(cid, bytes);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as CID);
  }
}

/** CARv1 (https://ipld.io/specs/transport/car/carv1/): a dag-cbor header, then length-prefixed blocks. */
export async function* carStream(
  root: CID,
  blocks: AsyncIterable<{ cid: CID; bytes: Uint8Array }>,
): AsyncGenerator<Uint8Array> {
  const header = dagCbor.encode({ version: 1, roots: [root] });
  yield concat([
    varint.encodeTo(header.length, new Uint8Array(varint.encodingLength(header.length))),
    header,
  ]);
  for await (const { cid, bytes } of blocks) {
    const length = cid.bytes.length + bytes.length;
    const prefix = varint.encodeTo(length, new Uint8Array(varint.encodingLength(length)));
    yield concat([prefix, cid.bytes]);
    yield bytes;
  }
}
