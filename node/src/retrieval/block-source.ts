/**
 * Where a retrieval's blocks come from: the local store first, then the network. The
 * multi-source download is only started at the first block the store lacks, so reading
 * data that is already local never looks anyone up. Blocks from the network are verified
 * against their CIDs and stored by the exchange before they are handed over, which is what
 * makes a second read local.
 */
import type { CID } from "multiformats/cid";
import type { Logger } from "../logging/index.ts";
import type { DownloadInit, MultiSourceSession, ProviderAddress } from "../protocols/exchange/index.ts";

/** What retrieval needs of the local block store (the node's `CairnBlockstore` has it). */
export interface RetrievalBlockstore {
  has(cid: CID): boolean | Promise<boolean>;
  /** Rejects with an error named `NotFoundError` when the block is absent. */
  getBytes(cid: CID): Uint8Array | Promise<Uint8Array>;
  put(cid: CID, bytes: Uint8Array): unknown;
}

/** Finds providers of a CID; ends when the lookup does. */
export type ProviderFinder = (cid: CID, signal: AbortSignal) => AsyncIterable<ProviderAddress>;

/** What a block source needs of the exchange. */
export interface Downloader {
  download(
    providers: Iterable<ProviderAddress> | AsyncIterable<ProviderAddress>,
    init?: DownloadInit,
  ): MultiSourceSession;
}

export interface BlockSourceInit {
  /** The CID providers are looked up by (the dataset's or the root's). */
  lookup: CID;
  findProviders: ProviderFinder;
  downloader: Downloader;
  blockstore: RetrievalBlockstore;
  download: DownloadInit;
  /** Ends the lookup and every pending block. */
  signal: AbortSignal;
  log: Logger;
}

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === "NotFoundError";
}

export class BlockSource {
  private readonly init: BlockSourceInit;
  private session: MultiSourceSession | undefined;
  /** Blocks read from the network (the rest came from the local store). */
  fetched = 0;

  constructor(init: BlockSourceInit) {
    this.init = init;
  }

  /** A block, from the store if there, else from the network (verified, then stored). */
  async get(cid: CID): Promise<Uint8Array> {
    this.init.signal.throwIfAborted();
    try {
      if (await this.init.blockstore.has(cid)) return await this.init.blockstore.getBytes(cid);
    } catch (err) {
      // Deleted between `has` and the read: fetch it like any other missing block.
      if (!isNotFound(err)) throw err;
    }
    const bytes = await this.network().get(cid, { signal: this.init.signal });
    this.fetched++;
    return bytes;
  }

  async close(): Promise<void> {
    await this.session?.close();
  }

  private network(): MultiSourceSession {
    if (this.session === undefined) {
      const { lookup, findProviders, signal, log } = this.init;
      log.debug("fetching from the network", { cid: lookup.toString() });
      this.session = this.init.downloader.download(findProviders(lookup, signal), this.init.download);
    }
    return this.session;
  }
}
