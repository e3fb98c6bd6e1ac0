/**
 * The block exchange, `/cairn/exchange/1.0.0` (spec: docs/exchange-protocol.md). A node
 * serves blocks from its store to peers that ask, quoting a price per block, and fetches
 * blocks from providers through sessions that verify every block before storing it.
 *
 *   const exchange = createExchange({ network: libp2p, blockstore, cashier, payer, reputation });
 *   await exchange.start();
 *   const download = exchange.download(dht.findProviders(datasetCid));   // several providers
 *   for await (const { cid, bytes } of download.fetch(blockCids)) { ... } // in order, prefetched
 *   const session = await exchange.session(providerPeerId);              // one provider
 *
 * Serving: the DecisionEngine (decision/) queues each peer's wants, charges them through
 * the cashier (payments, node/src/payments), rate-limits and schedules them fairly, and
 * reads blocks through an in-memory LRU (block-cache.ts). Fetching: `ProviderSession`
 * (session.ts) talks to one provider and pays it through the payer; the WantManager's
 * `MultiSourceSession` (want-manager.ts) spreads a download over several.
 */
import type { Libp2p } from "@libp2p/interface";
import { type Logger, logger as createLogger } from "../../logging/index.ts";
import type { Registry } from "../../metrics/index.ts";
import { Exchange } from "./exchange.ts";
import type { ReputationRecorder } from "../../reputation/types.ts";
import type { ExchangeBlockstore, ExchangeCashier, ExchangePayer } from "./types.ts";
import type { DownloadProgressEvent } from "./want-manager.ts";

export { encodeFrame, Message, readMessages, writeMessage } from "./codec.ts";
export * from "./constants.ts";
export * from "./errors.ts";
export { Exchange } from "./exchange.ts";
export { ProviderSession, type SessionStats } from "./session.ts";
export { BlockCache, type BlockCacheStats } from "./block-cache.ts";
export type { ServedLedger } from "./decision/engine.ts";
export type {
  ExchangeBlockstore,
  ExchangeCashier,
  ExchangePayer,
  PayerAccount,
  Presence,
  ProviderTerms,
  SignedVoucher,
} from "./types.ts";
export {
  type DownloadProgressEvent,
  MultiSourceSession,
  type ProviderAddress,
  type SourceStats,
} from "./want-manager.ts";
export { cidOfBlock, cidPrefix, decodeAmount, encodeAmount } from "./wire.ts";

export interface ExchangeInit {
  /** Largest message read or written, in bytes. @default DEFAULT_MAX_MESSAGE_SIZE (4 MiB) */
  maxMessageSize?: number;
  /** Ms an inbound stream may take for each message. @default DEFAULT_MESSAGE_TIMEOUT (30 s) */
  messageTimeout?: number;
  /** Exchange streams a peer may open to us per connection. @default DEFAULT_MAX_INBOUND_STREAMS (128) */
  maxInboundStreams?: number;
  /** Exchange streams we open per connection. @default DEFAULT_MAX_OUTBOUND_STREAMS (128) */
  maxOutboundStreams?: number;
  /** Wants per wantlist message. @default DEFAULT_MAX_WANTS_PER_MESSAGE (64) */
  maxWantsPerMessage?: number;
  /** Blocks in flight per session. @default DEFAULT_SESSION_WINDOW (16) */
  sessionWindow?: number;
  /** Ms a session waits for one block. @default DEFAULT_BLOCK_TIMEOUT (15 s) */
  blockTimeout?: number;
  /** Price this node quotes per block, in wei, when it has no cashier. @default DEFAULT_PRICE_PER_BLOCK (0) */
  pricePerBlock?: bigint;
  /** Blocks served at once across peers before turns go round robin. @default DEFAULT_SERVE_SLOTS (8) */
  serveSlots?: number;
  /** Wants one peer may send per second. @default DEFAULT_MAX_WANTS_PER_SECOND (8192) */
  maxWantsPerSecond?: number;
  /** Block bytes served to one peer per second. @default DEFAULT_MAX_BYTES_PER_SECOND (no limit) */
  maxBytesPerSecond?: number;
  /** Ms to wait for a voucher from a peer past its credit before cutting it off. @default DEFAULT_PAYMENT_TIMEOUT (10 s) */
  paymentTimeout?: number;
  /** Bytes of served blocks kept in memory. @default DEFAULT_BLOCK_CACHE_BYTES (64 MiB) */
  blockCacheBytes?: number;
}

export interface DownloadInit {
  /** Ms to wait for a block at one provider before asking another. @default the exchange's `blockTimeout` */
  blockTimeout?: number;
  /** Window each provider starts with. @default the exchange's `sessionWindow` */
  initialWindow?: number;
  /** Largest window per provider. @default DEFAULT_SOURCE_MAX_WINDOW (64) */
  maxWindow?: number;
  /** Blocks `fetch` requests ahead of the reader. @default DEFAULT_PREFETCH (64) */
  prefetch?: number;
  /** Providers asking more per block (wei) are not used. @default no limit */
  maxPrice?: bigint;
  /** Progress: providers joining and dropping, blocks arriving. */
  onProgress?(event: DownloadProgressEvent): void;
}

export interface SessionInit {
  /** @default the exchange's `sessionWindow` */
  window?: number;
  /** @default the exchange's `blockTimeout` */
  blockTimeout?: number;
  /** The most to pay per block (wei); pricier blocks fail with `PriceTooHighError`. @default no limit */
  maxPrice?: bigint;
}

export interface ExchangeComponents {
  /** The libp2p node, of which the exchange uses only these. */
  network: Pick<Libp2p, "handle" | "unhandle" | "dial">;
  blockstore: ExchangeBlockstore;
  /** @default logger("exchange") */
  logger?: Logger;
  /** When given, the exchange exports `cairn_exchange_*` metrics into it. */
  metrics?: Registry;
  /** Charges peers and checks their vouchers; without it, blocks are served at `pricePerBlock` unpaid. */
  cashier?: ExchangeCashier;
  /** Pays providers that charge; without it, sessions to them fail with `NoPayerError`. */
  payer?: ExchangePayer;
  /** Records how providers serve and how peers pay, and scores them for ranking and credit. */
  reputation?: ReputationRecorder;
}

export function createExchange(components: ExchangeComponents, init: ExchangeInit = {}): Exchange {
  return new Exchange(components, init, components.logger ?? createLogger("exchange"));
}
