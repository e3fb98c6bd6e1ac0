/**
 * The block exchange, `/cairn/exchange/1.0.0` (spec: docs/exchange-protocol.md). A node
 * serves blocks from its store to peers that ask, quoting a price per block, and fetches
 * blocks from providers through sessions that verify every block before storing it.
 *
 *   const exchange = createExchange({ network: libp2p, blockstore }, { pricePerBlock: 10n });
 *   await exchange.start();
 *   const session = await exchange.session(providerPeerId);
 *   const bytes = await session.get(cid);
 *
 * Still to come (see issue 5): the WantManager (multi-source sessions), the
 * DecisionEngine (ledgers, fair scheduling, rate limits), payments and reputation.
 */
import type { Libp2p } from "@libp2p/interface";
import { type Logger, logger as createLogger } from "../../logging/index.ts";
import type { Registry } from "../../metrics/index.ts";
import { Exchange } from "./exchange.ts";
import type { ExchangeBlockstore } from "./types.ts";

export { encodeFrame, Message, readMessages, writeMessage } from "./codec.ts";
export * from "./constants.ts";
export * from "./errors.ts";
export { Exchange } from "./exchange.ts";
export { ProviderSession, type SessionStats } from "./session.ts";
export type { ExchangeBlockstore, Presence } from "./types.ts";
export { cidOfBlock, cidPrefix, decodeAmount, encodeAmount } from "./wire.ts";

export interface ExchangeInit {
  /** Largest message read or written, in bytes. @default DEFAULT_MAX_MESSAGE_SIZE (4 MiB) */
  maxMessageSize?: number;
  /** Ms an inbound stream may take for each message. @default DEFAULT_MESSAGE_TIMEOUT (30 s) */
  messageTimeout?: number;
  /** Exchange streams a peer may open to us per connection. @default DEFAULT_MAX_INBOUND_STREAMS (32) */
  maxInboundStreams?: number;
  /** Exchange streams we open per connection. @default DEFAULT_MAX_OUTBOUND_STREAMS (32) */
  maxOutboundStreams?: number;
  /** Wants per wantlist message. @default DEFAULT_MAX_WANTS_PER_MESSAGE (64) */
  maxWantsPerMessage?: number;
  /** Blocks in flight per session. @default DEFAULT_SESSION_WINDOW (16) */
  sessionWindow?: number;
  /** Ms a session waits for one block. @default DEFAULT_BLOCK_TIMEOUT (15 s) */
  blockTimeout?: number;
  /** Price this node quotes per block, in wei. @default DEFAULT_PRICE_PER_BLOCK (0) */
  pricePerBlock?: bigint;
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
}

export function createExchange(components: ExchangeComponents, init: ExchangeInit = {}): Exchange {
  return new Exchange(components, init, components.logger ?? createLogger("exchange"));
}
