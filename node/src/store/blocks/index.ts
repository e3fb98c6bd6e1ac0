/**
 * The durable block store: one file per block, keyed by multihash, written as
 * temp file + fsync + rename + folder fsync (the last one batched for uploads, see
 * folder-syncs.ts). It implements interface-blockstore's
 * `Blockstore`, so Helia-style code (ipfs-unixfs-importer, exporters) can use it as is.
 *
 * Layout under `root`:
 *   LOCK                       pid of the process using the store
 *   .tmp/                      blocks being written; emptied by `start()`
 *   <2 chars>/<key>.data       one block; <key> is the base32 multihash
 */
import type { Blockstore } from "interface-blockstore";
import type { CID } from "multiformats/cid";
import type { Logger } from "../../logging/index.ts";
import type { Registry } from "../../metrics/index.ts";
import type { Startable } from "../../utils/startable.ts";
import type { FolderSyncBatch } from "./folder-syncs.ts";
import { FsBlockstore } from "./fs-blockstore.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { FolderSyncBatch } from "./folder-syncs.ts";
export { FsBlockstore };
export * from "./writer.ts";

export interface BlockstoreInit {
  /** The folder that holds the blocks, normally `<dataDir>/blocks`. */
  root: string;
  /** Hash every block read and throw `BlockCorruptError` on a mismatch. @default false */
  verifyOnRead?: boolean;
  /** Hash every block written and refuse bytes that don't match the CID. @default false */
  verifyOnPut?: boolean;
  /** @default DEFAULT_MAX_BLOCK_SIZE (2 MiB) */
  maxBlockSize?: number;
  /**
   * Take `<root>/LOCK` on start, so a second process cannot sweep this one's temp files.
   * @default true
   */
  lock?: boolean;
  /** Blocks `putMany` writes at once. @default DEFAULT_PUT_CONCURRENCY (8) */
  putConcurrency?: number;
}

export interface BlockstoreComponents {
  /** @default logger("store:blocks") */
  logger?: Logger;
  /** When given, the store exports `cairn_blocks_*` metrics into it. */
  metrics?: Registry;
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Overrides the store's `verifyOnRead` for this call. */
  verify?: boolean;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Overrides the store's `verifyOnPut` for this call. */
  verify?: boolean;
  /**
   * Leaves the fsync of the block's folder to this batch's `commit()`, for a caller that
   * acknowledges many blocks at once: until then the block survives a crash of the process
   * but not a power loss (folder-syncs.ts).
   */
  folderSyncs?: FolderSyncBatch;
}

export interface CairnBlockstore
  extends Blockstore<object, PutOptions, PutOptions, GetOptions, GetOptions, GetOptions>,
    Startable {
  start(): Promise<void>;
  /** Temp files from an unclean shutdown that the last `start()` removed. */
  readonly sweptTempFiles: number;
  /** One block's bytes in one chunk; throws `NotFoundError` when absent. */
  getBytes(cid: CID, options?: GetOptions): Promise<Uint8Array>;
  /** The CIDs of all stored blocks (CIDv1, raw codec). */
  listCids(options?: { signal?: AbortSignal }): AsyncGenerator<CID>;
}

export function createBlockstore(components: BlockstoreComponents, init: BlockstoreInit): FsBlockstore {
  return new FsBlockstore(components, init);
}
