/**
 * A client's session with one provider over one exchange stream. It keeps up to `window`
 * want-blocks in flight, verifies every block by recomputing its CID from the bytes,
 * stores it, and only then resolves the caller. A block that matches nothing the session
 * asked for cannot be the block it claims to be: the provider is cut off (stream aborted)
 * and every pending request fails with `InvalidBlockError`, so a wrong block is never stored.
 *
 * Multi-source downloads (several sessions, adaptive windows, re-asking on timeout) build
 * on this in the WantManager.
 */
import type { AbortOptions, PeerId, Stream } from "@libp2p/interface";
import type { CID } from "multiformats/cid";
import type { Logger } from "../../logging/index.ts";
import { Message, readMessages, writeMessage } from "./codec.ts";
import { DEFAULT_CLOSE_TIMEOUT } from "./constants.ts";
import {
  BlockNotFoundError,
  InvalidBlockError,
  InvalidMessageError,
  NoPayerError,
  PriceTooHighError,
  SessionClosedError,
} from "./errors.ts";
import { accountMessage, paymentMessage } from "./payment-messages.ts";
import type {
  ExchangeBlockstore,
  ExchangePayer,
  PayerAccount,
  Presence,
  ProviderTerms,
  SignedVoucher,
} from "./types.ts";
import { cidOfBlock, decodeAmount, decodeCid, encodeAmount } from "./wire.ts";

export interface SessionOptions {
  window: number;
  blockTimeout: number;
  maxWantsPerMessage: number;
  maxMessageSize: number;
  messageTimeout: number;
  /** The most this session pays per block (wei); unset leaves the price to the provider. */
  maxPrice?: bigint;
  /** Pays providers that state a price; without it such a provider's blocks are unpaid. */
  payer?: ExchangePayer;
}

export interface SessionStats {
  blocksReceived: number;
  bytesReceived: number;
  /** Blocks received again after they were already delivered or given up on. */
  duplicateBlocks: number;
  invalidBlocks: number;
}

export interface SessionHooks {
  onBlock?(cid: CID, bytes: number): void;
  onInvalidBlock?(err: Error): void;
  onClose?(session: ProviderSession): void;
  /** The provider stated its terms (first message of a paid stream). */
  onTerms?(terms: ProviderTerms): void;
  /**
   * A signed voucher this session could not send, having closed first. The payer counts its
   * debt as paid, the provider does not, so it must reach the provider some other way.
   */
  onUnsentPayment?(account: PayerAccount, voucher: SignedVoucher): void;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
  /** Called when the block has arrived and been verified, before it is stored. */
  arrived?(): void;
}

export interface GetOptions extends AbortOptions {
  /**
   * Called once the block has arrived and matched its CID, before the durable write: the
   * provider's part is done then, so this is where its latency is measured.
   */
  onArrived?(): void;
}

interface Want {
  cid: CID;
  waiters: Array<Waiter<Uint8Array>>;
  sent: boolean;
  /** The block arrived, verified, and is being written to the store. */
  arrived?: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/** setTimeout's largest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const { WantBlock, WantHave } = Message.Wantlist.WantType;

export class ProviderSession {
  readonly peer: PeerId;
  readonly stats: SessionStats = {
    blocksReceived: 0,
    bytesReceived: 0,
    duplicateBlocks: 0,
    invalidBlocks: 0,
  };
  private readonly stream: Stream;
  private readonly blockstore: ExchangeBlockstore;
  private readonly options: SessionOptions;
  private readonly log: Logger;
  private readonly hooks: SessionHooks;
  private readonly wants = new Map<string, Want>();
  private readonly queue: string[] = [];
  private readonly requested = new Set<string>();
  private readonly haves = new Map<string, Array<Waiter<Presence>>>();
  private inFlight = 0;
  private pumpScheduled = false;
  /** Verified blocks being written to the store; bounded by the window too. */
  private storing = 0;
  private writing: Promise<void> = Promise.resolve();
  private closed: Error | undefined;
  private readonly done: Promise<void>;
  /** What the provider charges, once it said. */
  terms: ProviderTerms | undefined;
  /** The account this session announces to a provider that charges; its vouchers follow it. */
  private account: Promise<PayerAccount> | undefined;
  /** wei worth of blocks received from this provider (what it charged, by our count). */
  received = 0n;

  constructor(
    stream: Stream,
    peer: PeerId,
    blockstore: ExchangeBlockstore,
    options: SessionOptions,
    log: Logger,
    hooks: SessionHooks = {},
  ) {
    this.stream = stream;
    this.peer = peer;
    this.blockstore = blockstore;
    this.options = options;
    this.log = log;
    this.hooks = hooks;
    this.done = this.read();
    // A failed read is reported through fail(); `done` is awaited only by close(), which may
    // never come, and an unawaited rejection would take the whole node down.
    this.done.catch(() => {});
  }

  /** Whether the session still works (not closed, failed or cut off). */
  get isOpen(): boolean {
    return this.closed === undefined;
  }

  /** Wants sent and not yet answered. */
  get pending(): number {
    return this.inFlight;
  }

  /** Asks whether the provider has each block, and at what price. */
  async wantHave(cids: readonly CID[], options: AbortOptions = {}): Promise<Presence[]> {
    this.assertOpen();
    const answers = cids.map(
      (cid) =>
        new Promise<Presence>((resolve, reject) => {
          const key = cid.toString();
          const list = this.haves.get(key) ?? [];
          list.push({ resolve, reject });
          this.haves.set(key, list);
        }),
    );
    for (let i = 0; i < cids.length; i += this.options.maxWantsPerMessage) {
      const batch = cids.slice(i, i + this.options.maxWantsPerMessage);
      this.send(
        batch.map((cid) => this.entry(cid, WantHave)),
        options,
      );
    }
    const signal = options.signal;
    if (signal === undefined) return Promise.all(answers);
    // A provider that never answers must not hold the caller past its signal.
    return new Promise<Presence[]>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      if (signal.aborted) onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      Promise.all(answers)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** Fetches one block: verified, stored, then returned. */
  get(cid: CID, options: GetOptions = {}): Promise<Uint8Array> {
    this.assertOpen();
    options.signal?.throwIfAborted();
    const key = cid.toString();
    return new Promise<Uint8Array>((resolve, reject) => {
      let want = this.wants.get(key);
      if (want === undefined) {
        want = { cid, waiters: [], sent: false };
        this.wants.set(key, want);
        this.queue.push(key);
      }
      const signal = options.signal;
      const onAbort = (): void => {
        const current = this.wants.get(key);
        if (current !== undefined) {
          current.waiters = current.waiters.filter((w) => w !== waiter);
          if (current.waiters.length === 0) this.cancel(key, current);
        }
        reject(signal?.reason as Error);
      };
      // The listener goes as soon as the request settles, so one signal shared by many gets does not pile up listeners.
      const waiter: Waiter<Uint8Array> = {
        arrived: options.onArrived,
        resolve: (bytes) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(bytes);
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      want.waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.schedulePump();
    });
  }

  /** Fetches several blocks, keeping the window full; resolves in the order given. */
  getMany(cids: readonly CID[], options: AbortOptions = {}): Promise<Uint8Array[]> {
    return Promise.all(cids.map((cid) => this.get(cid, options)));
  }

  /** Closes our side of the stream and fails whatever is still pending. */
  async close(): Promise<void> {
    if (this.closed === undefined) this.fail(new SessionClosedError("session closed"));
    // Closing ends our side; the reader then waits for the provider to end its side. One that
    // never does is reset after a short wait, so a silent provider cannot hold the client.
    const wait = Math.min(this.options.messageTimeout, DEFAULT_CLOSE_TIMEOUT);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reset = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.stream.abort(new SessionClosedError(`provider ${this.peer} did not close within ${wait} ms`));
        resolve();
      }, wait);
    });
    await this.stream.close({ signal: AbortSignal.timeout(wait) }).catch(() => {});
    await Promise.race([this.done, reset]);
    clearTimeout(timer);
    await this.done;
  }

  private assertOpen(): void {
    if (this.closed !== undefined) throw this.closed;
  }

  private entry(cid: CID, wantType: Message.Wantlist.WantType, cancel = false): Message.Wantlist.Entry {
    return {
      cid: cid.bytes as Uint8Array<ArrayBuffer>,
      priority: 1,
      cancel,
      wantType,
      sendDontHave: true,
      maxPrice: this.options.maxPrice === undefined ? new Uint8Array(0) : encodeAmount(this.options.maxPrice),
    };
  }

  /** Writes are chained so messages leave in order; a failed write ends the session. */
  private send(entries: Message.Wantlist.Entry[], options: AbortOptions = {}): void {
    this.sendMessage({ wantlist: { entries, full: false } }, options);
  }

  /** `unsent` is called when the message does not go out: the session closed first, or the write failed. */
  private sendMessage(message: Partial<Message>, options: AbortOptions = {}, unsent?: () => void): void {
    this.writing = this.writing
      .then(async () => {
        if (this.closed !== undefined) {
          unsent?.();
          return;
        }
        await writeMessage(this.stream, message, {
          ...options,
          maxMessageSize: this.options.maxMessageSize,
          messageTimeout: this.options.messageTimeout,
        });
      })
      .catch((err: Error) => {
        unsent?.();
        this.fail(err);
      });
  }

  /**
   * Sends a voucher once it is signed, after this session's account. One this session can no
   * longer send goes to `onUnsentPayment` rather than being dropped: the payer has counted
   * its debt as paid. A failed signing ends the session.
   */
  private sendVoucher(voucher: Promise<SignedVoucher> | undefined): void {
    const account = this.account;
    if (voucher === undefined || account === undefined) return;
    voucher.then(
      (v) =>
        account.then(
          (a) => {
            const unsent = (): void => this.hooks.onUnsentPayment?.(a, v);
            if (this.closed !== undefined) unsent();
            else this.sendMessage({ payment: paymentMessage(v) }, {}, unsent);
          },
          () => {}, // reported where the account was opened, and the session failed with it
        ),
      (err: Error) => {
        this.log.warn("could not pay the provider", { peer: this.peer.toString(), err });
        this.fail(err);
      },
    );
  }

  /** The provider's terms: open an account with it when it charges. */
  private receiveTerms(t: Message.Terms): void {
    if (t.recipient.byteLength !== 20) {
      throw new InvalidMessageError(`terms.recipient must be 20 bytes, got ${t.recipient.byteLength}`);
    }
    const terms: ProviderTerms = {
      recipient: `0x${Buffer.from(t.recipient).toString("hex")}`,
      pricePerBlock: decodeAmount(t.pricePerBlock),
      paymentThreshold: decodeAmount(t.paymentThreshold),
    };
    this.terms = terms;
    this.hooks.onTerms?.(terms);
    if (terms.pricePerBlock === 0n) return;
    const payer = this.options.payer;
    if (payer === undefined) {
      this.fail(
        new NoPayerError(
          `provider ${this.peer} charges ${terms.pricePerBlock} wei per block and no payer is set`,
        ),
      );
      this.stream.abort(new NoPayerError("no payer"));
      return;
    }
    const peer = this.peer.toString();
    // From here the payer counts what this provider is owed, for the provider rather than
    // for this session: blocks arrive while the channel is being opened, and the session may
    // end before it is.
    this.account = payer.openAccount(peer, terms);
    this.account.then(
      (account) => {
        if (this.closed === undefined) {
          this.sendMessage({ account: accountMessage(account) });
          // What arrived while the channel was being opened may be due already.
          this.sendVoucher(payer.owe(peer, 0n));
        } else {
          // Ended before the channel was open (a short first download): pay all that is
          // owed now, since no session may come back to this provider to pay it.
          this.sendVoucher(payer.payOwed(peer));
        }
      },
      (err: Error) => {
        this.log.warn("could not open a payment account", { peer, err });
        this.fail(err);
      },
    );
  }

  /** Counts what a block the provider sent cost us, and pays when a voucher is due. */
  private charge(): void {
    const price = this.terms?.pricePerBlock ?? 0n;
    if (price === 0n || this.options.payer === undefined) return;
    this.received += price;
    this.sendVoucher(this.options.payer.owe(this.peer.toString(), price));
  }

  /**
   * Pumps once the current task's gets are all queued: a caller asking for blocks one by
   * one in a loop then sends one wantlist, not one message per block.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Sends queued wants while the window has room. */
  private pump(): void {
    if (this.closed !== undefined) return;
    while (
      this.inFlight < this.options.window &&
      this.storing < this.options.window &&
      this.queue.length > 0
    ) {
      const room = Math.min(this.options.window - this.inFlight, this.options.maxWantsPerMessage);
      // Refill in batches rather than one want per arrival: the provider reads ahead within a
      // wantlist, so a wantlist of one block makes it read from disk with nothing overlapping.
      const batch = Math.max(1, Math.floor(this.options.window / 4));
      if (room < batch && this.inFlight > 0 && this.queue.length >= batch) return;
      const entries: Message.Wantlist.Entry[] = [];
      while (entries.length < room && this.queue.length > 0) {
        const key = this.queue.shift() as string;
        const want = this.wants.get(key);
        if (want === undefined || want.sent) continue;
        want.sent = true;
        this.requested.add(key);
        this.inFlight++;
        want.timer = setTimeout(() => this.timeout(key), this.options.blockTimeout);
        entries.push(this.entry(want.cid, WantBlock));
      }
      if (entries.length > 0) this.send(entries);
    }
  }

  private settle(key: string): Want | undefined {
    const want = this.wants.get(key);
    if (want === undefined) return undefined;
    this.wants.delete(key);
    clearTimeout(want.timer);
    if (want.sent && want.arrived !== true) this.inFlight--;
    else if (!want.sent) {
      const i = this.queue.indexOf(key);
      if (i !== -1) this.queue.splice(i, 1);
    }
    return want;
  }

  private cancel(key: string, want: Want): void {
    const wasSent = want.sent;
    this.settle(key);
    if (wasSent) this.send([this.entry(want.cid, WantBlock, true)]);
    this.pump();
  }

  private timeout(key: string): void {
    const want = this.wants.get(key);
    if (want === undefined) return;
    this.cancel(key, want);
    const err = new BlockNotFoundError(`${want.cid} not received within ${this.options.blockTimeout} ms`);
    for (const w of want.waiters) w.reject(err);
  }

  private async read(): Promise<void> {
    try {
      for await (const message of readMessages(this.stream, {
        maxMessageSize: this.options.maxMessageSize,
        // An idle session legitimately hears nothing; each want has its own block timeout instead.
        messageTimeout: MAX_TIMER_MS,
      })) {
        if (message.terms !== undefined) this.receiveTerms(message.terms);
        for (const block of message.blocks) {
          // A provider cut off for a bad block is not heard out on the rest of its message.
          // (After an ordinary close, blocks still arriving are counted: they were charged.)
          if (this.stats.invalidBlocks > 0) break;
          this.receiveBlock(block);
        }
        for (const presence of message.blockPresences) this.receivePresence(presence);
        this.pump();
      }
      if (this.closed === undefined)
        this.fail(new SessionClosedError(`provider ${this.peer} closed the stream`));
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /**
   * Verifies a block against the wants and starts storing it. The write is not awaited here,
   * so the next block is read (and the window refilled) while the disk works; the caller is
   * resolved once the block is durably stored.
   */
  private receiveBlock(block: Message.Block): void {
    let cid: CID;
    try {
      cid = cidOfBlock(block.prefix, block.data);
    } catch (err) {
      this.invalid(err as Error);
      return;
    }
    const key = cid.toString();
    const want = this.wants.get(key);
    if (want === undefined || !want.sent || want.arrived === true) {
      if (this.requested.has(key)) {
        this.stats.duplicateBlocks++;
        this.charge(); // the provider sent it before our cancel reached it, and charged it
        return;
      }
      // Its bytes hash to a CID we never asked for: a corrupt or substituted block.
      this.invalid(
        new InvalidBlockError(`provider ${this.peer} sent a block that matches no request (${cid})`),
      );
      return;
    }
    want.arrived = true;
    this.charge();
    for (const w of want.waiters) w.arrived?.();
    clearTimeout(want.timer);
    this.inFlight--;
    this.storing++;
    this.blockstore.put(cid, block.data).then(
      () => {
        this.storing--;
        if (this.wants.get(key) !== want) return;
        this.settle(key);
        this.stats.blocksReceived++;
        this.stats.bytesReceived += block.data.byteLength;
        this.hooks.onBlock?.(cid, block.data.byteLength);
        for (const w of want.waiters) w.resolve(block.data);
        this.pump();
      },
      (err: Error) => {
        this.storing--;
        if (this.wants.get(key) !== want) return;
        this.settle(key);
        for (const w of want.waiters) w.reject(err);
        this.pump();
      },
    );
  }

  private receivePresence(p: Message.BlockPresence): void {
    const cid = decodeCid(p.cid);
    const key = cid.toString();
    const have = p.type === Message.BlockPresenceType.Have;
    const price = decodeAmount(p.price);
    const askers = this.haves.get(key);
    if (askers !== undefined) {
      this.haves.delete(key);
      for (const a of askers) a.resolve({ cid, have, price });
    }
    const want = this.wants.get(key);
    if (want === undefined || !want.sent || want.arrived === true) return;
    if (!have) {
      this.settle(key);
      const err = new BlockNotFoundError(`provider ${this.peer} does not have ${cid}`);
      for (const w of want.waiters) w.reject(err);
    } else if (this.options.maxPrice !== undefined && price > this.options.maxPrice) {
      this.settle(key);
      const err = new PriceTooHighError(
        `${cid} costs ${price} wei, above the session's ${this.options.maxPrice}`,
      );
      for (const w of want.waiters) w.reject(err);
    }
  }

  private invalid(err: Error): void {
    this.stats.invalidBlocks++;
    this.log.warn("invalid block from provider", { peer: this.peer.toString(), err });
    this.hooks.onInvalidBlock?.(err);
    this.fail(err);
    this.stream.abort(err);
  }

  private fail(err: Error): void {
    if (this.closed !== undefined) return;
    this.closed = err;
    for (const key of [...this.wants.keys()]) {
      const want = this.settle(key);
      for (const w of want?.waiters ?? []) w.reject(err);
    }
    for (const [key, askers] of this.haves) {
      this.haves.delete(key);
      for (const a of askers) a.reject(err);
    }
    this.hooks.onClose?.(this);
  }
}
