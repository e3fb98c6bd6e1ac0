/**
 * The WantManager's download session over several providers.
 *
 * Providers arrive from a list or an async iterable (DHT findProviders, the registry). Each
 * gets a `ProviderSession` and a want-have probe that measures its latency and learns its
 * price; pricier providers than `maxPrice` are left out. Wants then go to the best provider
 * that has room in its window, ranked by price, then by how full its window is (scaled by
 * reputation), then by round trip. Every provider with room gets work, and faster ones
 * drain their queues sooner and get more, so equally limited providers add up.
 *
 * - Window per provider: additive increase on each delivered block, halving on a timeout.
 * - A block not received within `blockTimeout` is cancelled at that provider and asked of
 *   another; so is every block of a provider whose stream fails, at once. When a block
 *   arrives, its other copies in flight are cancelled.
 * - A block that does not hash to its CID never reaches the store (the provider session
 *   verifies it); the provider is dropped and its reputation takes an invalid-block event.
 * - `fetch` yields blocks in order, keeping `prefetch` blocks requested ahead of the reader.
 */
import type { AbortOptions, PeerId } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import type { CID } from "multiformats/cid";
import type { Logger } from "../../logging/index.ts";
import type { ReputationRecorder } from "../../reputation/types.ts";
import { BlockNotFoundError, NoProvidersError, SessionClosedError } from "./errors.ts";
import type { ProviderSession } from "./session.ts";

export interface MultiSessionOptions {
  blockTimeout: number;
  initialWindow: number;
  maxWindow: number;
  prefetch: number;
  maxPrice?: bigint;
}

export type ProviderAddress = PeerId | Multiaddr;

/** Opens a provider session (the exchange's `session`, with a window of `maxWindow`). */
export type OpenSession = (provider: ProviderAddress, options: AbortOptions) => Promise<ProviderSession>;

/** A provider's figures, as measured by this download. */
export interface SourceStats {
  peer: string;
  price: bigint;
  window: number;
  inFlight: number;
  blocks: number;
  bytes: number;
  failures: number;
  /** ms, smoothed */
  latencyMs: number | undefined;
  /** bytes per ms, smoothed */
  throughput: number | undefined;
  dropped: boolean;
}

export type DownloadProgressEvent =
  | { type: "cairn:exchange:provider-joined"; detail: { peer: string; price: bigint; latencyMs: number } }
  | { type: "cairn:exchange:provider-dropped"; detail: { peer: string; reason: string } }
  | { type: "cairn:exchange:block"; detail: { cid: CID; peer: string; bytes: number } };

interface Source {
  stats: SourceStats;
  session: ProviderSession;
  minLatency: number;
  window: number;
  /** Start (performance.now() ms) and bytes of the current rate sample; reset when idle. */
  rateStart: number;
  rateBytes: number;
}

interface Attempt {
  source: Source;
  controller: AbortController;
  timer: ReturnType<typeof setTimeout>;
  started: number;
  /** ms from asking to the verified block's arrival (the store's write not included) */
  latency?: number;
}

interface Want {
  cid: CID;
  key: string;
  resolve(bytes: Uint8Array): void;
  reject(err: Error): void;
  attempts: Set<Attempt>;
  /** providers that said DontHave, or failed this block */
  tried: Set<string>;
  done: boolean;
}

const SMOOTHING = 0.2;

/** How long (ms) a provider's rate is measured over before it updates the estimate. */
const RATE_SAMPLE_MS = 200;

function better(a: [bigint, number, number], b: [bigint, number, number]): boolean {
  if (a[0] !== b[0]) return a[0] < b[0];
  if (a[1] !== b[1]) return a[1] < b[1];
  return a[2] < b[2];
}

function smooth(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + SMOOTHING * (sample - previous);
}

export class MultiSourceSession {
  private readonly open: OpenSession;
  private readonly options: MultiSessionOptions;
  private readonly reputation: ReputationRecorder | undefined;
  private readonly log: Logger;
  private readonly onProgress: ((event: DownloadProgressEvent) => void) | undefined;
  private readonly sources = new Map<string, Source>();
  private readonly wants = new Map<string, Want>();
  /** Wants waiting for a provider, in request order. */
  private queue: Want[] = [];
  private joining = 0;
  private discoveryDone = false;
  private closed = false;
  private readonly stop = new AbortController();
  readonly discovery: Promise<void>;

  constructor(
    open: OpenSession,
    providers: Iterable<ProviderAddress> | AsyncIterable<ProviderAddress>,
    options: MultiSessionOptions,
    log: Logger,
    reputation?: ReputationRecorder,
    onProgress?: (event: DownloadProgressEvent) => void,
  ) {
    this.open = open;
    this.options = options;
    this.log = log;
    this.reputation = reputation;
    this.onProgress = onProgress;
    this.discovery = this.discover(providers);
  }

  /** The providers seen so far, with what was measured of them. */
  get providers(): SourceStats[] {
    return [...this.sources.values()].map((s) => ({
      ...s.stats,
      window: s.window,
      inFlight: s.stats.inFlight,
    }));
  }

  /** One block, verified and stored, from whichever provider delivers it first. */
  get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new SessionClosedError("download session closed"));
    const key = cid.toString();
    const existing = this.wants.get(key);
    const promise =
      existing !== undefined
        ? new Promise<Uint8Array>((resolve, reject) => {
            const { resolve: r0, reject: j0 } = existing;
            existing.resolve = (b) => {
              r0(b);
              resolve(b);
            };
            existing.reject = (e) => {
              j0(e);
              reject(e);
            };
          })
        : new Promise<Uint8Array>((resolve, reject) => {
            const want: Want = {
              cid,
              key,
              resolve,
              reject,
              attempts: new Set(),
              tried: new Set(),
              done: false,
            };
            this.wants.set(key, want);
            this.queue.push(want);
          });
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = (): void => {
        const want = this.wants.get(key);
        if (want !== undefined) this.finish(want, signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      promise.finally(() => signal.removeEventListener("abort", onAbort)).catch(() => {});
    }
    this.dispatch();
    return promise;
  }

  getMany(cids: readonly CID[], options: AbortOptions = {}): Promise<Uint8Array[]> {
    return Promise.all(cids.map((cid) => this.get(cid, options)));
  }

  /** Yields each block in order, with up to `prefetch` more requested ahead. */
  async *fetch(
    cids: Iterable<CID>,
    options: AbortOptions = {},
  ): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
    const ahead: Array<{ cid: CID; bytes: Promise<Uint8Array> }> = [];
    const iterator = cids[Symbol.iterator]();
    const fill = (): void => {
      while (ahead.length < Math.max(1, this.options.prefetch)) {
        const next = iterator.next();
        if (next.done === true) return;
        const bytes = this.get(next.value, options);
        bytes.catch(() => {}); // awaited in order below
        ahead.push({ cid: next.value, bytes });
      }
    };
    fill();
    while (ahead.length > 0) {
      const head = ahead.shift() as { cid: CID; bytes: Promise<Uint8Array> };
      const bytes = await head.bytes;
      fill();
      yield { cid: head.cid, bytes };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const want of [...this.wants.values()])
      this.finish(want, new SessionClosedError("download session closed"));
    await Promise.allSettled([...this.sources.values()].map((s) => s.session.close()));
    // Only now stop providers still joining: aborting first would reset the open streams.
    this.stop.abort(new SessionClosedError("download session closed"));
    await this.discovery.catch(() => {});
  }

  private async discover(
    providers: Iterable<ProviderAddress> | AsyncIterable<ProviderAddress>,
  ): Promise<void> {
    const joins: Array<Promise<void>> = [];
    try {
      for await (const provider of providers) {
        if (this.closed) break;
        joins.push(this.join(provider));
      }
    } catch (err) {
      // Closing the download aborts the lookup too: that is not a failure.
      if (!this.closed) this.log.warn("provider discovery failed", { err });
    }
    await Promise.allSettled(joins);
    this.discoveryDone = true;
    this.dispatch();
  }

  /** Opens a session to a provider and probes it with a want-have. */
  private async join(provider: ProviderAddress): Promise<void> {
    this.joining++;
    let session: ProviderSession | undefined;
    try {
      session = await this.open(provider, { signal: this.stop.signal });
      const peer = session.peer.toString();
      if (this.sources.has(peer) || this.closed) {
        await session.close();
        return;
      }
      // Probe with a block someone wants, else only measure the round trip.
      const probe = this.queue[0]?.cid;
      const started = performance.now();
      // A provider that never answers the probe is left out after one block timeout.
      const probeTimeout = new AbortController();
      const onStop = (): void => probeTimeout.abort(this.stop.signal.reason);
      this.stop.signal.addEventListener("abort", onStop, { once: true });
      const timer = setTimeout(
        () => probeTimeout.abort(new BlockNotFoundError("no answer to the probe")),
        this.options.blockTimeout,
      );
      const presences = await (probe === undefined
        ? Promise.resolve([])
        : session.wantHave([probe], { signal: probeTimeout.signal })
      ).finally(() => {
        clearTimeout(timer);
        this.stop.signal.removeEventListener("abort", onStop);
      });
      const latencyMs = performance.now() - started;
      const price = presences[0]?.price ?? session.terms?.pricePerBlock ?? 0n;
      if (this.options.maxPrice !== undefined && price > this.options.maxPrice) {
        this.log.debug("provider too expensive", { peer, price: price.toString() });
        await session.close();
        return;
      }
      const source: Source = {
        session,
        // A probe is one small presence; blocks are compared with blocks.
        minLatency: Number.POSITIVE_INFINITY,
        window: this.options.initialWindow,
        rateStart: 0,
        rateBytes: 0,
        stats: {
          peer,
          price,
          window: this.options.initialWindow,
          inFlight: 0,
          blocks: 0,
          bytes: 0,
          failures: 0,
          latencyMs: probe === undefined ? undefined : latencyMs,
          throughput: undefined,
          dropped: false,
        },
      };
      this.sources.set(peer, source);
      this.onProgress?.({ type: "cairn:exchange:provider-joined", detail: { peer, price, latencyMs } });
    } catch (err) {
      if (!this.closed) this.log.debug("provider could not join", { provider: provider.toString(), err });
      if (session !== undefined && !this.sources.has(session.peer.toString()))
        session.close().catch(() => {});
    } finally {
      this.joining--;
      this.dispatch();
    }
  }

  /**
   * Lower is better: price first, then how full the provider's window is (the shortest
   * queue), scaled by reputation, then round-trip time. Every delivery frees a slot and
   * triggers a choice, so a faster provider drains its queue sooner and is chosen more
   * often: work follows each provider's real rate without estimating it. (Ranking by a
   * measured rate starved late-joining providers, whose rate looked low only for want of
   * work.)
   */
  private rank(source: Source): [bigint, number, number] {
    const s = source.stats;
    const score = this.reputation?.score(s.peer, "serving") ?? 50;
    const load = ((s.inFlight + 1) / source.window) * (1.5 - score / 100);
    const roundTrip = Number.isFinite(source.minLatency) ? source.minLatency : (s.latencyMs ?? 50);
    return [s.price, load, roundTrip];
  }

  private dispatch(): void {
    if (this.closed) return;
    const remaining: Want[] = [];
    for (const want of this.queue) {
      if (want.done) continue;
      const source = this.pick(want);
      if (source === undefined) {
        remaining.push(want);
        continue;
      }
      this.send(want, source);
    }
    this.queue = remaining;
    this.failUnservable();
  }

  private pick(want: Want): Source | undefined {
    let best: Source | undefined;
    let bestRank: [bigint, number, number] | undefined;
    for (const source of this.sources.values()) {
      if (source.stats.dropped || source.stats.inFlight >= source.window || want.tried.has(source.stats.peer))
        continue;
      const rank = this.rank(source);
      if (bestRank === undefined || better(rank, bestRank)) {
        best = source;
        bestRank = rank;
      }
    }
    return best;
  }

  /** Wants no provider can serve any more: all tried, and no more providers coming. */
  private failUnservable(): void {
    if (!this.discoveryDone || this.joining > 0) return;
    const live = [...this.sources.values()].filter((s) => !s.stats.dropped);
    for (const want of this.queue) {
      if (want.done || want.attempts.size > 0) continue;
      if (live.some((s) => !want.tried.has(s.stats.peer))) continue;
      const err =
        live.length === 0 && want.tried.size === 0
          ? new NoProvidersError(`no provider left to ask for ${want.cid}`)
          : new BlockNotFoundError(`no provider could deliver ${want.cid} (${want.tried.size} tried)`);
      this.finish(want, err);
    }
    this.queue = this.queue.filter((w) => !w.done);
  }

  private send(want: Want, source: Source): void {
    const controller = new AbortController();
    const attempt: Attempt = {
      source,
      controller,
      started: performance.now(),
      timer: setTimeout(() => this.timedOut(want, attempt), this.options.blockTimeout),
    };
    want.attempts.add(attempt);
    if (source.stats.inFlight === 0) {
      // It was idle: time spent with nothing to do is not its rate.
      source.rateStart = attempt.started;
      source.rateBytes = 0;
    }
    source.stats.inFlight++;
    const onArrived = (): void => {
      attempt.latency = performance.now() - attempt.started;
      // The provider has delivered; the durable write is ours, and is not timed against it.
      clearTimeout(attempt.timer);
    };
    source.session.get(want.cid, { signal: controller.signal, onArrived }).then(
      (bytes) => this.delivered(want, attempt, bytes),
      (err: Error) => this.failed(want, attempt, err),
    );
  }

  private endAttempt(want: Want, attempt: Attempt): boolean {
    if (!want.attempts.delete(attempt)) return false;
    clearTimeout(attempt.timer);
    attempt.source.stats.inFlight--;
    return true;
  }

  private delivered(want: Want, attempt: Attempt, bytes: Uint8Array): void {
    if (!this.endAttempt(want, attempt)) return;
    const source = attempt.source;
    const now = performance.now();
    const elapsed = attempt.latency ?? now - attempt.started;
    const s = source.stats;
    s.blocks++;
    s.bytes += bytes.byteLength;
    s.latencyMs = smooth(s.latencyMs, elapsed);
    // The provider's rate: bytes over time while it had work, sampled every RATE_SAMPLE_MS.
    // Per block it would be noise: blocks arrive in bursts of a frame, and with several
    // queued there a block's whole latency would understate the rate.
    source.rateBytes += bytes.byteLength;
    const span = now - source.rateStart;
    if (span >= RATE_SAMPLE_MS) {
      s.throughput = smooth(s.throughput, source.rateBytes / span);
      source.rateStart = now;
      source.rateBytes = 0;
    }
    source.minLatency = Math.min(source.minLatency, elapsed);
    // Additive increase per delivered block, halving on a timeout (AIMD). Shrinking when
    // latency grows would starve a fast provider: a full pipe always shows queueing.
    source.window = Math.min(this.options.maxWindow, source.window + 1);
    s.window = source.window;
    this.reputation?.record(s.peer, "serving", {
      kind: "success",
      latencyMs: elapsed,
      bytes: bytes.byteLength,
      durationMs: elapsed,
    });
    this.onProgress?.({
      type: "cairn:exchange:block",
      detail: { cid: want.cid, peer: s.peer, bytes: bytes.byteLength },
    });
    if (!want.done) this.finish(want, undefined, bytes);
    this.dispatch();
  }

  private failed(want: Want, attempt: Attempt, err: Error): void {
    if (!this.endAttempt(want, attempt)) return;
    const source = attempt.source;
    want.tried.add(source.stats.peer);
    if (err.name === "BlockNotFoundError" || err.name === "PriceTooHighError") {
      // The provider lacks it or wants more for it: not a fault, just ask someone else.
    } else if (err.name === "InvalidBlockError") {
      this.drop(source, "invalid block");
      this.reputation?.record(source.stats.peer, "serving", { kind: "invalid-block" });
    } else if (!source.session.isOpen) {
      this.drop(source, err.name);
      this.reputation?.record(source.stats.peer, "serving", { kind: "failure" });
    }
    if (!want.done) this.requeue(want);
    this.dispatch();
  }

  private timedOut(want: Want, attempt: Attempt): void {
    if (!this.endAttempt(want, attempt)) return;
    const source = attempt.source;
    attempt.controller.abort(
      new BlockNotFoundError(`${want.cid} not received within ${this.options.blockTimeout} ms`),
    );
    source.stats.failures++;
    source.window = Math.max(1, Math.floor(source.window / 2));
    source.stats.window = source.window;
    want.tried.add(source.stats.peer);
    this.reputation?.record(source.stats.peer, "serving", { kind: "failure" });
    this.log.debug("block timed out, asking another provider", {
      cid: want.cid.toString(),
      peer: source.stats.peer,
    });
    if (!want.done) this.requeue(want);
    this.dispatch();
  }

  private drop(source: Source, reason: string): void {
    if (source.stats.dropped) return;
    source.stats.dropped = true;
    source.stats.failures++;
    this.onProgress?.({
      type: "cairn:exchange:provider-dropped",
      detail: { peer: source.stats.peer, reason },
    });
    source.session.close().catch(() => {});
  }

  /** Back to the front of the queue: it was asked first, so it is needed first. */
  private requeue(want: Want): void {
    if (want.attempts.size > 0 || this.queue.includes(want)) return;
    this.queue.unshift(want);
  }

  private finish(want: Want, err: Error | undefined, bytes?: Uint8Array): void {
    if (want.done) return;
    want.done = true;
    this.wants.delete(want.key);
    // Cancel the copies still in flight at other providers.
    for (const attempt of [...want.attempts]) {
      this.endAttempt(want, attempt);
      attempt.controller.abort(new SessionClosedError("delivered by another provider"));
    }
    if (err !== undefined) want.reject(err);
    else want.resolve(bytes as Uint8Array);
  }
}
