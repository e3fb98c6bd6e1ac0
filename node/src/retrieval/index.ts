/**
 * Network retrieval: reading data this node does not hold, from the providers that do.
 *
 *   const retrieval = createRetrieval({ exchange, discovery, blockstore });
 *   const file = await retrieval.open(cid, { onProgress });    // finds providers, reads the root
 *   for await (const chunk of file.read({ offset, length })) ...  // verified, stored as it comes
 *   await file.close();
 *
 * A dataset manifest (dag-cbor) is read slot block by slot block, stripe by stripe, and a
 * stripe whose data blocks nobody has is rebuilt from its parity (dataset-reader.ts); a
 * UnixFS root is exported over a block reader that fetches misses (block-source.ts). The
 * exchange verifies every block and writes it to the store before it is used, so a second
 * read never leaves the node. Payment happens inside the exchange's sessions (the node's
 * `ExchangePayer`); `ProviderProgress.paid` is what each provider was owed for its blocks.
 */
import type { CID } from "multiformats/cid";
import type { FindProvidersOptions, FoundProvider } from "../discovery/index.ts";
import { type Logger, logger as createLogger } from "../logging/index.ts";
import type { ProviderAddress } from "../protocols/exchange/index.ts";
import type { Downloader, ProviderFinder, RetrievalBlockstore } from "./block-source.ts";
import {
  DEFAULT_FIND_TIMEOUT,
  DEFAULT_MAX_PROVIDERS,
  DEFAULT_READ_AHEAD_BLOCKS,
  DEFAULT_RETRIEVAL_BLOCK_TIMEOUT,
} from "./constants.ts";
import { RetrievalError } from "./errors.ts";
import { Retrieval } from "./retrieval.ts";
import { ChannelAdmin, type ChannelAdminComponents, type ChannelAdminInit } from "./channel-admin.ts";

export type { Downloader, ProviderFinder, RetrievalBlockstore } from "./block-source.ts";
export {
  ChannelAdmin,
  type ChannelAdminComponents,
  type ChannelAdminInit,
  type ChannelWrite,
} from "./channel-admin.ts";
export * from "./constants.ts";
export type { ReadRange } from "./dataset-reader.ts";
export * from "./errors.ts";
export type { ProviderProgress, RetrievalProgressEvent } from "./progress.ts";
export { type OpenOptions, Retrieval, type RetrievedFile } from "./retrieval.ts";

export interface RetrievalInit {
  /** ms to look for providers of a CID. @default DEFAULT_FIND_TIMEOUT (30 s) */
  findTimeout?: number;
  /** Providers asked per retrieval. @default DEFAULT_MAX_PROVIDERS (8) */
  maxProviders?: number;
  /** ms to wait for a block at one provider before asking another. @default DEFAULT_RETRIEVAL_BLOCK_TIMEOUT (15 s) */
  blockTimeout?: number;
  /** Dataset blocks requested ahead of the reader. @default DEFAULT_READ_AHEAD_BLOCKS (32) */
  readAhead?: number;
  /** Providers asking more per block (wei) are not used. @default no limit */
  maxPrice?: bigint;
}

export interface RetrievalComponents {
  /** The block exchange (its `download`). */
  exchange: Downloader;
  /** Discovery, or anything that finds providers of a CID. */
  discovery: {
    findProviders(cid: CID, options?: FindProvidersOptions): AsyncIterable<FoundProvider>;
  };
  blockstore: RetrievalBlockstore;
  /** The libp2p node: with no connection at all, lookups are skipped (nobody to ask). */
  network?: { getConnections(): unknown[] };
  /** @default logger("retrieval") */
  logger?: Logger;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RetrievalError(`${field} must be an integer > 0, got ${value}`);
  }
  return value;
}

export function createRetrieval(components: RetrievalComponents, init: RetrievalInit = {}): Retrieval {
  const maxProviders = positiveInteger("maxProviders", init.maxProviders ?? DEFAULT_MAX_PROVIDERS);
  const findProviders: ProviderFinder = async function* (cid, signal): AsyncGenerator<ProviderAddress> {
    for await (const found of components.discovery.findProviders(cid, { signal, limit: maxProviders })) {
      yield found.peerId;
    }
  };
  return new Retrieval(
    {
      downloader: components.exchange,
      findProviders,
      blockstore: components.blockstore,
      log: components.logger ?? createLogger("retrieval"),
      isolated: () => components.network !== undefined && components.network.getConnections().length === 0,
    },
    {
      findTimeout: positiveInteger("findTimeout", init.findTimeout ?? DEFAULT_FIND_TIMEOUT),
      blockTimeout: positiveInteger("blockTimeout", init.blockTimeout ?? DEFAULT_RETRIEVAL_BLOCK_TIMEOUT),
      readAhead: positiveInteger("readAhead", init.readAhead ?? DEFAULT_READ_AHEAD_BLOCKS),
      maxPrice: init.maxPrice,
    },
  );
}

/** Channel writes on request (open, deposit, close) over the payer's table. */
export function createChannelAdmin(
  components: Omit<ChannelAdminComponents, "logger"> & { logger?: Logger },
  init: ChannelAdminInit,
): ChannelAdmin {
  if (!Number.isSafeInteger(init.closeDelay) || init.closeDelay < 0) {
    throw new RetrievalError(`closeDelay must be whole seconds >= 0, got ${init.closeDelay}`);
  }
  return new ChannelAdmin({ ...components, logger: components.logger ?? createLogger("payments") }, init);
}
