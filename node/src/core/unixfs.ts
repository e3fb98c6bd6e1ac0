/**
 * Files as UnixFS DAGs (data.md, "Blocks and files"), built and read with the maintained
 * IPFS libraries, so a root CID equals what Helia or kubo give with `--cid-version 1
 * --raw-leaves --chunker size-262144` (balanced layout, 174 links per node).
 *
 * Both directions stream: bytes in, blocks out through a sink; CID in, bytes out through a
 * block reader. Neither holds a whole file.
 */
import { exporter } from "ipfs-unixfs-exporter";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { importByteStream } from "ipfs-unixfs-importer";
import { balanced } from "ipfs-unixfs-importer/layout";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { BlockError, InvalidParameterError } from "./errors.ts";
import { equalBytes } from "./util/bytes.ts";

/** Chunk (and leaf) size: 256 KiB. */
export const CHUNK_SIZE = 262_144;
/** Links per internal node of the balanced layout, as kubo and Helia default. */
export const MAX_CHILDREN_PER_NODE = 174;
/** How many leaves the importer hashes and hands to the sink at once (bounds memory). */
export const DEFAULT_BLOCK_WRITE_CONCURRENCY = 8;

/** A block: its CID and bytes. */
export interface Block {
  cid: CID;
  bytes: Uint8Array;
}

/** Receives every block that an import produces. A durable store resolves once it is safe. */
export type BlockSink = (block: Block) => Promise<void> | void;

/** Returns a block's bytes (or throws if it has none). */
export type BlockReader = (cid: CID) => Promise<Uint8Array> | Uint8Array;

/** Something that yields bytes: a Node stream, a browser ReadableStream, an array. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface ImportOptions {
  /** @default DEFAULT_BLOCK_WRITE_CONCURRENCY */
  blockWriteConcurrency?: number;
  signal?: AbortSignal;
}

/** The root CID and byte size of an imported file. */
export interface ImportedFile {
  cid: CID;
  size: number;
}

/** The importer options that make the CIDs equal kubo's and Helia's. */
export function importerOptions(options: ImportOptions = {}) {
  return {
    cidVersion: 1 as const,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN_PER_NODE }),
    blockWriteConcurrency: options.blockWriteConcurrency ?? DEFAULT_BLOCK_WRITE_CONCURRENCY,
    signal: options.signal,
  };
}

/** Imports a byte stream as one UnixFS file; each block goes to `sink` as it is made. */
export async function importFile(
  source: ByteSource,
  sink: BlockSink,
  options: ImportOptions = {},
): Promise<ImportedFile> {
  const store = {
    async put(cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
      if (!(bytes instanceof Uint8Array)) throw new BlockError(`importer gave a streamed block for ${cid}`);
      await sink({ cid: CID.asCID(cid) ?? cid, bytes });
      return cid;
    },
  };
  // The importer's `size` is the DAG's, headers included; count the file's bytes here.
  let size = 0;
  const counted = (async function* () {
    for await (const chunk of source) {
      size += chunk.length;
      yield chunk;
    }
  })();
  const result = await importByteStream(counted, store, importerOptions(options));
  // Rebased onto this package's CID class: the IPFS libraries each carry their own copy.
  return { cid: CID.parse(result.cid.toString()), size };
}

export interface ExportOptions {
  /** Check each block's bytes against its CID. @default true */
  verify?: boolean;
  /** Byte range to read. */
  offset?: number;
  length?: number;
  signal?: AbortSignal;
}

/** Checks that `bytes` hash to `cid` (SHA-256 CIDs only). */
export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  if (cid.multihash.code !== sha256.code)
    throw new BlockError(`block ${cid} uses hash 0x${cid.multihash.code.toString(16)}, not SHA-256`);
  const digest = await sha256.digest(bytes);
  if (!equalBytes(digest.digest, cid.multihash.digest))
    throw new BlockError(`block ${cid} does not match its bytes`);
}

/** The CID of a raw block (CIDv1, raw codec, SHA-256), as slot blocks and leaves use. */
export async function rawBlockCid(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes));
}

/** Streams a UnixFS file's bytes from its root CID, reading blocks through `read`. */
export async function* exportFile(
  cid: CID,
  read: BlockReader,
  options: ExportOptions = {},
): AsyncGenerator<Uint8Array> {
  const verify = options.verify ?? true;
  const store = {
    async *get(key: CID) {
      const bytes = await read(key);
      if (verify) await verifyBlock(key, bytes);
      yield bytes;
    },
  };
  // By string: the exporter only accepts CID instances of its own multiformats copy.
  const entry = await exporter(cid.toString(), store, { signal: options.signal });
  if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity")
    throw new InvalidParameterError("cid", `${cid} is a ${entry.type}, not a file`);
  yield* entry.content({ offset: options.offset, length: options.length, signal: options.signal });
}
