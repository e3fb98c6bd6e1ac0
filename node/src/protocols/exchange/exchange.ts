import type { AbortOptions, Connection, PeerId, Stream } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import type { CID } from "multiformats/cid";
import type { Logger } from "../../logging/index.ts";
import { type Counter, counter } from "../../metrics/index.ts";
import type { Startable } from "../../utils/startable.ts";
import { BlockCache } from "./block-cache.ts";
import {
  DEFAULT_BLOCK_CACHE_BYTES,
  DEFAULT_BLOCK_TIMEOUT,
  DEFAULT_FLUSH_BYTES,
  DEFAULT_READ_AHEAD,
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_MAX_BYTES_PER_SECOND,
  DEFAULT_MAX_WANTS_PER_MESSAGE,
  DEFAULT_MAX_WANTS_PER_SECOND,
  DEFAULT_MESSAGE_TIMEOUT,
  DEFAULT_PAYMENT_TIMEOUT,
  DEFAULT_PREFETCH,
  DEFAULT_PRICE_PER_BLOCK,
  DEFAULT_SERVE_SLOTS,
  DEFAULT_SESSION_WINDOW,
  DEFAULT_SOURCE_MAX_WINDOW,
  PROTOCOL_NAME,
} from "./constants.ts";
import { DecisionEngine, type ServedLedger } from "./decision/engine.ts";
import { ExchangeNotStartedError } from "./errors.ts";
import type { DownloadInit, ExchangeComponents, ExchangeInit, SessionInit } from "./index.ts";
import { deliverPayment, type UnsentPayment } from "./payment-courier.ts";
import { ProviderSession } from "./session.ts";
import { MultiSourceSession, type ProviderAddress } from "./want-manager.ts";

interface ExchangeMetrics {
  blocksSent: Counter;
  bytesSent: Counter;
  blocksReceived: Counter;
  bytesReceived: Counter;
  invalidBlocks: Counter;
  badStreams: Counter<"reason">;
}

/**
 * `/cairn/exchange/1.0.0`: serves blocks from the store to peers that ask, and opens
 * sessions that fetch blocks from a provider. A client opens one stream per session and
 * sends wantlists on it; the provider answers on the same stream, so the stream's flow
 * control paces the transfer.
 */
export class Exchange implements Startable {
  private readonly components: ExchangeComponents;
  private readonly init: Required<Omit<ExchangeInit, "pricePerBlock">> & { pricePerBlock: bigint };
  private readonly engine: DecisionEngine;
  /** The serving path reads through this; it is also what the engine serves from. */
  readonly cache: BlockCache;
  private readonly log: Logger;
  private readonly metrics: ExchangeMetrics | undefined;
  private readonly sessions = new Set<ProviderSession>();
  private readonly inbound = new Set<Stream>();
  /** Payments on their way to providers whose sessions closed before sending them. */
  private readonly deliveries = new Set<Promise<void>>();
  private started = false;

  constructor(components: ExchangeComponents, init: ExchangeInit, log: Logger) {
    this.components = components;
    this.log = log;
    this.init = {
      maxMessageSize: init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      messageTimeout: init.messageTimeout ?? DEFAULT_MESSAGE_TIMEOUT,
      maxInboundStreams: init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS,
      maxOutboundStreams: init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS,
      maxWantsPerMessage: init.maxWantsPerMessage ?? DEFAULT_MAX_WANTS_PER_MESSAGE,
      sessionWindow: init.sessionWindow ?? DEFAULT_SESSION_WINDOW,
      blockTimeout: init.blockTimeout ?? DEFAULT_BLOCK_TIMEOUT,
      pricePerBlock: init.pricePerBlock ?? DEFAULT_PRICE_PER_BLOCK,
      serveSlots: init.serveSlots ?? DEFAULT_SERVE_SLOTS,
      maxWantsPerSecond: init.maxWantsPerSecond ?? DEFAULT_MAX_WANTS_PER_SECOND,
      maxBytesPerSecond: init.maxBytesPerSecond ?? DEFAULT_MAX_BYTES_PER_SECOND,
      paymentTimeout: init.paymentTimeout ?? DEFAULT_PAYMENT_TIMEOUT,
      blockCacheBytes: init.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES,
    };
    checkInit(this.init);
    this.cache = new BlockCache(components.blockstore, this.init.blockCacheBytes);
    this.engine = new DecisionEngine(
      {
        blockstore: this.cache,
        cashier: components.cashier,
        reputation: components.reputation,
        log: log.child("decision"),
        // Counted per block as it is admitted: a peer's ledger is shared by all its streams,
        // so a per-stream before/after difference of it would count concurrent streams'
        // blocks several times (and an aborted stream's not at all).
        onBlockServed: (_peer, bytes) => {
          this.metrics?.blocksSent.inc();
          this.metrics?.bytesSent.inc(bytes);
        },
      },
      {
        pricePerBlock: this.init.pricePerBlock,
        maxMessageSize: this.init.maxMessageSize,
        messageTimeout: this.init.messageTimeout,
        flushBytes: Math.min(DEFAULT_FLUSH_BYTES, this.init.maxMessageSize),
        readAhead: DEFAULT_READ_AHEAD,
        serveSlots: this.init.serveSlots,
        maxWantsPerSecond: this.init.maxWantsPerSecond,
        maxBytesPerSecond: this.init.maxBytesPerSecond,
        paymentTimeout: this.init.paymentTimeout,
      },
    );
    const registry = components.metrics;
    if (registry !== undefined) {
      this.metrics = {
        blocksSent: counter(registry, {
          name: "cairn_exchange_blocks_sent_total",
          help: "Blocks served to peers.",
        }),
        bytesSent: counter(registry, {
          name: "cairn_exchange_block_bytes_sent_total",
          help: "Block bytes served to peers.",
        }),
        blocksReceived: counter(registry, {
          name: "cairn_exchange_blocks_received_total",
          help: "Verified blocks received and stored.",
        }),
        bytesReceived: counter(registry, {
          name: "cairn_exchange_block_bytes_received_total",
          help: "Verified block bytes received and stored.",
        }),
        invalidBlocks: counter(registry, {
          name: "cairn_exchange_invalid_blocks_total",
          help: "Blocks that did not match any request; the sender was cut off.",
        }),
        badStreams: counter(registry, {
          name: "cairn_exchange_aborted_streams_total",
          help: "Inbound streams aborted for a bad frame, a timeout or an error, by error name.",
          labelNames: ["reason"],
        }),
      };
    }
  }

  isStarted(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.components.network.handle(
      PROTOCOL_NAME,
      (stream, connection) => this.onStream(stream, connection),
      {
        maxInboundStreams: this.init.maxInboundStreams,
        maxOutboundStreams: this.init.maxOutboundStreams,
      },
    );
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.components.network.unhandle(PROTOCOL_NAME);
    await Promise.all([...this.sessions].map((s) => s.close()));
    await Promise.all(this.deliveries);
    for (const stream of this.inbound) stream.abort(new ExchangeNotStartedError("exchange stopped"));
    this.inbound.clear();
  }

  /** Opens a session with one provider: a stream on which to ask for presences and blocks. */
  async session(
    peer: PeerId | Multiaddr,
    init: SessionInit = {},
    options: AbortOptions = {},
  ): Promise<ProviderSession> {
    if (!this.started) throw new ExchangeNotStartedError("the exchange is not started");
    const connection = await this.components.network.dial(peer, options);
    // newStream enforces maxOutboundStreams from our handler registration.
    const stream = await connection.newStream(PROTOCOL_NAME, options);
    const session = new ProviderSession(
      stream,
      connection.remotePeer,
      this.components.blockstore,
      {
        window: init.window ?? this.init.sessionWindow,
        blockTimeout: init.blockTimeout ?? this.init.blockTimeout,
        maxWantsPerMessage: this.init.maxWantsPerMessage,
        maxMessageSize: this.init.maxMessageSize,
        messageTimeout: this.init.messageTimeout,
        maxPrice: init.maxPrice,
        payer: this.components.payer,
      },
      this.log.child("session"),
      {
        onBlock: (_cid: CID, bytes: number) => {
          this.metrics?.blocksReceived.inc();
          this.metrics?.bytesReceived.inc(bytes);
        },
        onInvalidBlock: () => this.metrics?.invalidBlocks.inc(),
        onClose: (s) => this.sessions.delete(s),
        onUnsentPayment: (account, voucher) =>
          this.deliverUnsentPayment(connection.remotePeer, { account, voucher }),
      },
    );
    this.sessions.add(session);
    return session;
  }

  /**
   * A download over several providers (the WantManager): `providers` is a list, or an
   * async iterable such as DHT `findProviders` results, consumed as it yields.
   */
  download(
    providers: Iterable<ProviderAddress> | AsyncIterable<ProviderAddress>,
    init: DownloadInit = {},
  ): MultiSourceSession {
    if (!this.started) throw new ExchangeNotStartedError("the exchange is not started");
    const maxWindow = init.maxWindow ?? DEFAULT_SOURCE_MAX_WINDOW;
    return new MultiSourceSession(
      (provider, options) =>
        // The provider session never times a block out itself: the download does, and re-asks elsewhere.
        this.session(
          provider,
          { window: maxWindow, blockTimeout: MAX_TIMER_MS, maxPrice: init.maxPrice },
          options,
        ),
      providers,
      {
        blockTimeout: init.blockTimeout ?? this.init.blockTimeout,
        initialWindow: Math.min(init.initialWindow ?? this.init.sessionWindow, maxWindow),
        maxWindow,
        prefetch: init.prefetch ?? DEFAULT_PREFETCH,
        maxPrice: init.maxPrice,
      },
      this.log.child("download"),
      this.components.reputation,
      init.onProgress,
    );
  }

  /** What this node has served `peer` (blocks, bytes, wants), or undefined if nothing. */
  served(peer: PeerId | string): ServedLedger | undefined {
    return this.engine.ledger(peer.toString());
  }

  /**
   * Sends a voucher its session could not, on a stream of its own. The provider counts the
   * debt it pays until it has it, and would otherwise wait for it on our next session to it.
   */
  private deliverUnsentPayment(peer: PeerId, payment: UnsentPayment): void {
    const context = {
      peer: peer.toString(),
      cumulativeAmount: payment.voucher.cumulativeAmount.toString(),
    };
    if (!this.started) {
      // Vouchers are cumulative: the next one to this provider covers this one too.
      this.log.info("payment left unsent: the exchange is stopped", context);
      return;
    }
    const delivery = deliverPayment(this.components.network, peer, payment, {
      maxMessageSize: this.init.maxMessageSize,
      messageTimeout: this.init.messageTimeout,
      signal: AbortSignal.timeout(this.init.messageTimeout),
    })
      .then(
        () => this.log.debug("payment delivered after its session closed", context),
        (err: Error) =>
          this.log.warn("could not deliver a payment; the next voucher to this provider covers it", {
            ...context,
            err,
          }),
      )
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private async onStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer;
    this.inbound.add(stream);
    try {
      await this.engine.serve(stream, peer.toString());
    } catch (err) {
      const name = (err as Error).name;
      this.metrics?.badStreams.inc({ reason: name });
      this.log.debug("inbound exchange stream aborted", { peer: peer.toString(), err });
      if (stream.status === "open") stream.abort(err as Error);
    } finally {
      this.inbound.delete(stream);
    }
  }
}

/** setTimeout's largest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkInit(init: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(init)) {
    if (typeof value === "bigint") {
      if (value < 0n) throw new RangeError(`exchange option ${field} must be >= 0, got ${value}`);
    } else if (typeof value === "number") {
      const ok =
        value === Number.POSITIVE_INFINITY
          ? field === "maxBytesPerSecond" || field === "maxWantsPerSecond"
          : Number.isFinite(value) && value >= (field === "blockCacheBytes" ? 0 : 1);
      if (!ok) throw new RangeError(`exchange option ${field} must be a positive number, got ${value}`);
    }
  }
}
