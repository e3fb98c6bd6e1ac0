/**
 * The provider's DecisionEngine. For every inbound exchange stream it reads wantlists into
 * the peer's want queue (cancels and `full` take effect there), and serves the queue in
 * batches through the wantlist handler, admitting each block only when
 *
 * 1. the peer's credit allows it (free allowance, then debt up to the threshold plus a
 *    tolerance, scaled by the peer's paying reputation); past it, the engine sends what it
 *    has gathered, waits for a voucher, and cuts the peer off if none comes in time;
 * 2. the peer's bytes-per-second limit allows it;
 * 3. the fair scheduler gives it a turn (round robin across peers, weighted by priority).
 *
 * It keeps a ledger per peer: blocks and bytes served, wants received. Debt lives in the
 * cashier (node/src/payments), which also checks and stores vouchers.
 */
import type { Stream } from "@libp2p/interface";
import type { Logger } from "../../../logging/index.ts";
import type { ReputationRecorder } from "../../../reputation/types.ts";
import { type FramingOptions, readMessages, writeMessage } from "../codec.ts";
import { FULL_CREDIT_SCORE } from "../constants.ts";
import { PaymentRequiredError } from "../errors.ts";
import { serveWants } from "../handlers/wantlist.ts";
import type { ExchangeBlockstore, ExchangeCashier } from "../types.ts";
import { decodeCid, encodeAmount } from "../wire.ts";
import { handlePayment } from "../handlers/payment.ts";
import { FairScheduler } from "./fair-scheduler.ts";
import { sleep, TokenBucket } from "./token-bucket.ts";
import { WantQueue } from "./want-queue.ts";

export interface DecisionEngineInit {
  /** Price per block when there is no cashier (wei); with one, the cashier's terms rule. */
  pricePerBlock: bigint;
  maxMessageSize: number;
  messageTimeout: number;
  flushBytes: number;
  readAhead: number;
  serveSlots: number;
  maxWantsPerSecond: number;
  maxBytesPerSecond: number;
  paymentTimeout: number;
}

export interface DecisionEngineComponents {
  blockstore: ExchangeBlockstore;
  cashier?: ExchangeCashier;
  reputation?: ReputationRecorder;
  log: Logger;
  /** Called for each block admitted for sending, as it is counted in the peer's ledger. */
  onBlockServed?: (peer: string, bytes: number) => void;
}

/** What the engine knows of one peer, across its streams. */
export interface ServedLedger {
  blocksSent: number;
  bytesSent: number;
  wantsReceived: number;
  /** Streams open now. */
  streams: number;
}

interface PeerState {
  ledger: ServedLedger;
  wants: TokenBucket;
  bytes: TokenBucket;
}

export class DecisionEngine {
  private readonly components: DecisionEngineComponents;
  private readonly init: DecisionEngineInit;
  private readonly scheduler: FairScheduler;
  private readonly peers = new Map<string, PeerState>();

  constructor(components: DecisionEngineComponents, init: DecisionEngineInit) {
    this.components = components;
    this.init = init;
    this.scheduler = new FairScheduler(init.serveSlots);
  }

  /** The peer's served ledger; undefined for a peer never seen. */
  ledger(peer: string): ServedLedger | undefined {
    return this.peers.get(peer)?.ledger;
  }

  get pricePerBlock(): bigint {
    return this.components.cashier?.terms().pricePerBlock ?? this.init.pricePerBlock;
  }

  /** Serves one inbound stream until the client closes its side; throws on a bad frame. */
  async serve(stream: Stream, peer: string): Promise<ServedLedger> {
    const state = this.peer(peer);
    state.ledger.streams++;
    const framing: FramingOptions = {
      maxMessageSize: this.init.maxMessageSize,
      messageTimeout: this.init.messageTimeout,
    };
    const send = (m: Parameters<typeof writeMessage>[1]) => writeMessage(stream, m, framing);
    const queue = new WantQueue();
    const cashier = this.components.cashier;
    let failure: Error | undefined;
    const fail = (err: Error): void => {
      if (failure !== undefined) return;
      failure = err;
      queue.end();
      if (stream.status === "open") stream.abort(err);
    };
    try {
      if (cashier !== undefined) {
        const terms = cashier.terms();
        await send({
          terms: {
            recipient: Buffer.from(terms.recipient.slice(2), "hex") as Uint8Array as Uint8Array<ArrayBuffer>,
            pricePerBlock: encodeAmount(terms.pricePerBlock),
            paymentThreshold: encodeAmount(terms.paymentThreshold),
          },
        });
      }
      const server = this.serveQueue(peer, state, queue, send).catch(fail);
      for await (const message of readMessages(stream, framing)) {
        if (cashier !== undefined && (message.account !== undefined || message.payment !== undefined)) {
          // A voucher check takes a signature recovery and maybe a chain read: it runs
          // beside the reader, and a refused voucher ends the stream.
          handlePayment(cashier, peer, message).catch(fail);
        }
        if (message.wantlist !== undefined) {
          // Every CID is parsed before anything is queued, so a bad one aborts the stream up front.
          for (const entry of message.wantlist.entries) decodeCid(entry.cid);
          const count = message.wantlist.entries.length;
          state.ledger.wantsReceived += count;
          await sleep(state.wants.take(count));
          queue.add(message.wantlist);
        }
      }
      queue.end();
      await server;
      if (failure !== undefined) throw failure;
      await stream.close();
      return state.ledger;
    } catch (err) {
      fail(err as Error);
      throw err;
    } finally {
      state.ledger.streams--;
    }
  }

  private async serveQueue(
    peer: string,
    state: PeerState,
    queue: WantQueue,
    send: (m: Parameters<typeof writeMessage>[1]) => Promise<void>,
  ): Promise<void> {
    await serveWants(
      {
        blockstore: this.components.blockstore,
        priceOf: () => this.pricePerBlock,
        maxMessageSize: this.init.maxMessageSize,
        flushBytes: this.init.flushBytes,
        readAhead: this.init.readAhead,
        send,
        admit: (price, bytes, priority, flush) => this.admit(peer, state, price, bytes, priority, flush),
      },
      queue,
    );
  }

  private async admit(
    peer: string,
    state: PeerState,
    price: bigint,
    bytes: number,
    priority: number,
    flush: () => Promise<void>,
  ): Promise<() => void> {
    const cashier = this.components.cashier;
    if (cashier !== undefined && price > 0n) {
      while (!cashier.tryCharge(peer, price, this.creditFactor(peer))) {
        // The client pays for what it has received, so send what is gathered before waiting.
        await flush();
        try {
          await cashier.nextPayment(peer, AbortSignal.timeout(this.init.paymentTimeout));
        } catch {
          cashier.cutOff(peer);
          throw new PaymentRequiredError(
            `peer ${peer} is past its credit and sent no voucher within ${this.init.paymentTimeout} ms`,
          );
        }
      }
    }
    await sleep(state.bytes.take(bytes));
    const release = await this.scheduler.acquire(peer, priority);
    // Counted once admitted: the block is charged for and goes out in the next frame.
    state.ledger.blocksSent++;
    state.ledger.bytesSent += bytes;
    this.components.onBlockServed?.(peer, bytes);
    return release;
  }

  /** 0 to 1: how much of the credit limit the peer's paying reputation earns it. */
  private creditFactor(peer: string): number {
    const reputation = this.components.reputation;
    if (reputation === undefined) return 1;
    return Math.min(1, reputation.score(peer, "paying") / FULL_CREDIT_SCORE);
  }

  private peer(peer: string): PeerState {
    let state = this.peers.get(peer);
    if (state === undefined) {
      state = {
        ledger: { blocksSent: 0, bytesSent: 0, wantsReceived: 0, streams: 0 },
        wants: new TokenBucket(this.init.maxWantsPerSecond),
        // A tenth of a second of burst: a limit that let a whole second through at once would
        // overstate what a limited provider gives in short transfers.
        bytes: new TokenBucket(this.init.maxBytesPerSecond, this.init.maxBytesPerSecond / 10),
      };
      this.peers.set(peer, state);
    }
    return state;
  }
}
