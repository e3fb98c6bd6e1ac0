/**
 * Network retrieval: reads a CID this node may not hold. `open` resolves the CID (from the
 * store, else from providers found through discovery) to a file, a dataset manifest's or a
 * UnixFS root's, and says its size before any of its bytes are read, so the REST API can
 * answer with Content-Length and Range. `read` then streams the bytes.
 */
import * as dagCbor from "@ipld/dag-cbor";
import type { CID } from "multiformats/cid";
import { readFile, statFile } from "../api/dag.ts";
import {
  createErasureCodec,
  type DatasetManifest,
  decodeManifest,
  type ErasureCodec,
} from "../core/index.ts";
import type { Logger } from "../logging/index.ts";
import type { DownloadInit } from "../protocols/exchange/index.ts";
import {
  BlockSource,
  type Downloader,
  type ProviderFinder,
  type RetrievalBlockstore,
} from "./block-source.ts";
import { readDataset, type ReadRange } from "./dataset-reader.ts";
import { NotOnNetworkError } from "./errors.ts";
import { type ProviderProgress, ProgressTracker, type RetrievalProgressEvent } from "./progress.ts";

export interface RetrievalSettings {
  findTimeout: number;
  blockTimeout: number;
  readAhead: number;
  maxPrice: bigint | undefined;
}

export interface RetrievalParts {
  downloader: Downloader;
  findProviders: ProviderFinder;
  blockstore: RetrievalBlockstore;
  log: Logger;
  /** True when the node is connected to nobody: no lookup can find anyone then. */
  isolated: () => boolean;
}

export interface OpenOptions {
  signal?: AbortSignal;
  onProgress?(event: RetrievalProgressEvent): void;
}

/** A file being retrieved. Close it when done: that ends its provider sessions. */
export interface RetrievedFile {
  cid: CID;
  /** Bytes of the file (the ciphertext when encrypted). */
  size: number;
  encrypted: boolean;
  /** Set when the CID is a dataset manifest. */
  manifest?: DatasetManifest;
  /** Streams `range` (the whole file by default). */
  read(range?: ReadRange): AsyncGenerator<Uint8Array>;
  /** What each provider delivered and was owed so far. */
  providers(): ProviderProgress[];
  /** Blocks that came from the network (the rest were local). */
  fetchedBlocks(): number;
  close(): Promise<void>;
}

export class Retrieval {
  private readonly parts: RetrievalParts;
  private readonly settings: RetrievalSettings;
  private codec: Promise<ErasureCodec> | undefined;

  constructor(parts: RetrievalParts, settings: RetrievalSettings) {
    this.parts = parts;
    this.settings = settings;
  }

  /**
   * Resolves `cid` to a file. Rejects with `NotOnNetworkError` when the CID's block is
   * neither local nor had from any provider found within `findTimeout`.
   */
  async open(cid: CID, options: OpenOptions = {}): Promise<RetrievedFile> {
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const progress = new ProgressTracker(options.onProgress);
    const { findTimeout } = this.settings;
    const download: DownloadInit = {
      blockTimeout: this.settings.blockTimeout,
      maxPrice: this.settings.maxPrice,
      onProgress: progress.exchangeEvent,
    };
    const source = new BlockSource({
      lookup: cid,
      // The lookup gets its own deadline: it ends the search for providers, not the download.
      // Kademlia waits out its whole timeout when the routing table is empty; with no peer
      // connected there is nobody to ask, so the lookup is skipped and the answer comes at once.
      findProviders: (lookup, s) =>
        this.parts.isolated()
          ? (async function* () {})()
          : this.parts.findProviders(lookup, AbortSignal.any([s, AbortSignal.timeout(findTimeout)])),
      downloader: this.parts.downloader,
      blockstore: this.parts.blockstore,
      download,
      signal,
      log: this.parts.log,
    });
    const close = async () => {
      stop.abort(new Error("retrieval closed"));
      await source.close();
    };
    try {
      const rootBlock = await this.rootBlock(cid, source);
      const common = {
        cid,
        providers: () => progress.summary(),
        fetchedBlocks: () => source.fetched,
        close,
      };
      if (cid.code === dagCbor.code) {
        const manifest = await decodeManifest(rootBlock, cid);
        return {
          ...common,
          size: manifest.size,
          encrypted: manifest.encrypted,
          manifest,
          read: (range) =>
            readDataset(
              {
                manifest,
                source,
                codec: () => this.erasureCodec(),
                store: async (block, bytes) => {
                  await this.parts.blockstore.put(block, bytes);
                },
                progress,
                readAhead: this.settings.readAhead,
                signal,
              },
              range ?? { offset: 0, length: manifest.size },
            ),
        };
      }
      const read = (block: CID) => source.get(block);
      const stat = await statFile(cid, read);
      return {
        ...common,
        size: stat.size,
        encrypted: false,
        read: (range) =>
          readFile(stat.root, read, {
            offset: range?.offset ?? 0,
            length: range?.length ?? stat.size,
            signal,
          }),
      };
    } catch (err) {
      await close();
      throw err;
    }
  }

  /** The CID's own block; failing to get it from anyone means nobody has the data. */
  private async rootBlock(cid: CID, source: BlockSource): Promise<Uint8Array> {
    try {
      return await source.get(cid);
    } catch (err) {
      const name = (err as Error).name;
      if (name === "NoProvidersError" || name === "BlockNotFoundError") {
        throw new NotOnNetworkError(
          cid.toString(),
          `${cid} is not on this node and no provider found within ${this.settings.findTimeout} ms has it`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  private erasureCodec(): Promise<ErasureCodec> {
    this.codec ??= createErasureCodec();
    return this.codec;
  }
}
