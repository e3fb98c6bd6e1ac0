import type { AbortOptions, Connection, PeerId, Stream } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import type { CID } from "multiformats/cid";
import type { Logger } from "../../logging/index.ts";
import { type Counter, counter } from "../../metrics/index.ts";
import type { Startable } from "../../utils/startable.ts";
import { readMessages, writeMessage } from "./codec.ts";
import {
  DEFAULT_BLOCK_TIMEOUT,
  DEFAULT_FLUSH_BYTES,
  DEFAULT_READ_AHEAD,
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_MAX_WANTS_PER_MESSAGE,
  DEFAULT_MESSAGE_TIMEOUT,
  DEFAULT_PRICE_PER_BLOCK,
  DEFAULT_SESSION_WINDOW,
  PROTOCOL_NAME,
} from "./constants.ts";
import { ExchangeNotStartedError } from "./errors.ts";
import { answerWantlist } from "./handlers/wantlist.ts";
import type { ExchangeComponents, ExchangeInit, SessionInit } from "./index.ts";
import { ProviderSession } from "./session.ts";

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
  private readonly log: Logger;
  private readonly metrics: ExchangeMetrics | undefined;
  private readonly sessions = new Set<ProviderSession>();
  private readonly inbound = new Set<Stream>();
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
    };
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
      },
      this.log.child("session"),
      {
        onBlock: (_cid: CID, bytes: number) => {
          this.metrics?.blocksReceived.inc();
          this.metrics?.bytesReceived.inc(bytes);
        },
        onInvalidBlock: () => this.metrics?.invalidBlocks.inc(),
        onClose: (s) => this.sessions.delete(s),
      },
    );
    this.sessions.add(session);
    return session;
  }

  private async onStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer;
    this.inbound.add(stream);
    const framing = { maxMessageSize: this.init.maxMessageSize, messageTimeout: this.init.messageTimeout };
    try {
      for await (const message of readMessages(stream, framing)) {
        if (message.wantlist !== undefined) {
          const sent = await answerWantlist(
            {
              blockstore: this.components.blockstore,
              priceOf: () => this.init.pricePerBlock,
              maxMessageSize: this.init.maxMessageSize,
              flushBytes: Math.min(DEFAULT_FLUSH_BYTES, this.init.maxMessageSize),
              readAhead: DEFAULT_READ_AHEAD,
              send: (m) => writeMessage(stream, m, framing),
            },
            message.wantlist,
          );
          this.metrics?.blocksSent.inc(sent.blocksSent);
          this.metrics?.bytesSent.inc(sent.bytesSent);
        }
        // Payment and account messages are accepted and ignored until accounting lands.
      }
      await stream.close();
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
