import type { PeerId } from "@libp2p/interface";
import type { KadDHT, QueryEvent } from "@libp2p/kad-dht";
import type { Multiaddr } from "@multiformats/multiaddr";
import type { CID } from "multiformats/cid";
import type { Logger } from "../logging/index.ts";
import { type Counter, counter } from "../metrics/index.ts";
import type { Startable } from "../utils/startable.ts";
import { toCid } from "./cid.ts";
import {
  DEFAULT_FIND_ATTEMPTS,
  DEFAULT_FIND_LIMIT,
  DEFAULT_FIND_TIMEOUT,
  DEFAULT_INITIAL_DELAY,
  DEFAULT_PROVIDE_CONCURRENCY,
  DEFAULT_PROVIDE_TIMEOUT,
  DEFAULT_REPROVIDE_INTERVAL,
  DEFAULT_RETRY_INTERVAL,
  FIND_RETRY_DELAY,
} from "./constants.ts";
import { DiscoveryNotStartedError, InvalidDiscoveryConfigError, InvalidLookupError } from "./errors.ts";
import type { DiscoveryComponents, DiscoveryInit } from "./index.ts";
import type { ProviderRecord } from "./provider-directory.ts";

/** How one announcement went. */
export interface ProvideResult {
  cid: string;
  /**
   * Peers the provider record was written to (ADD_PROVIDER has no reply, so a completed
   * write is what counts); 0 means nobody was reached and it will be retried.
   */
  peers: number;
}

/** How one round of announcements went. */
export interface RoundSummary {
  /** CIDs the round tried. */
  cids: number;
  /** Reached at least one peer. */
  provided: number;
  /** Reached no peer, or failed; queued for a retry in `retryInterval`. */
  retrying: number;
  durationMs: number;
}

/** A peer that announced a CID, as a session sees it. */
export interface FoundProvider {
  peerId: PeerId;
  /** Where to dial it, as the DHT record says; may be empty when the peer store already knows. */
  multiaddrs: Multiaddr[];
  /** Its registry entry (wallet, offer, stake) when the directory knows this peer id. */
  registered?: ProviderRecord;
}

export interface FindProvidersOptions {
  /** Ends the lookup; the iteration then throws the signal's reason. */
  signal?: AbortSignal;
  /** Stop after this many providers. @default the service's `findLimit` */
  limit?: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidDiscoveryConfigError(`${name} must be a finite number > 0, got ${value}`);
  }
  return value;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "TimeoutError";
}

/**
 * Announces what this node holds in the DHT and finds who holds what it wants.
 *
 * Only dataset and slot CIDs are announced, never blocks: a dataset of 4 GiB is 16 384
 * blocks, and a session that knows the dataset's providers asks them for its blocks
 * directly. The set comes from `init.cids` (the daemon passes the metadata store's
 * datasets and slots) plus what `provide` was called with since start. Every
 * `reprovideInterval` the whole set is announced again; a CID that reached no peer is
 * retried every `retryInterval` until it does.
 */
export class Discovery implements Startable {
  private readonly dht: DiscoveryComponents["dht"];
  private readonly self: PeerId;
  private readonly directory: DiscoveryComponents["directory"];
  private readonly log: Logger;
  private readonly source: DiscoveryInit["cids"];
  private readonly reprovideInterval: number;
  private readonly retryInterval: number;
  private readonly initialDelay: number;
  private readonly concurrency: number;
  private readonly provideTimeout: number;
  private readonly findTimeout: number;
  private readonly findLimit: number;
  private readonly provides: Counter<"result"> | undefined;
  /** CIDs given to `provide` since start; the source covers them after a restart. */
  private readonly extra = new Map<string, CID>();
  private readonly retry = new Map<string, CID>();
  private readonly lastProvided = new Map<string, number>();
  private shutdown: AbortController | undefined;
  private roundTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Rounds run one after another, never overlapping. */
  private rounds: Promise<unknown> = Promise.resolve();

  constructor(components: DiscoveryComponents, init: DiscoveryInit, log: Logger) {
    if (typeof init.cids !== "function") {
      throw new InvalidDiscoveryConfigError("init.cids must be a function returning the CIDs to announce");
    }
    this.dht = components.dht;
    this.self = components.peerId;
    this.directory = components.directory;
    this.log = log;
    this.source = init.cids;
    this.reprovideInterval = positive(
      "reprovideInterval",
      init.reprovideInterval ?? DEFAULT_REPROVIDE_INTERVAL,
    );
    this.retryInterval = positive("retryInterval", init.retryInterval ?? DEFAULT_RETRY_INTERVAL);
    this.initialDelay = init.initialDelay ?? DEFAULT_INITIAL_DELAY;
    if (!Number.isFinite(this.initialDelay) || this.initialDelay < 0) {
      throw new InvalidDiscoveryConfigError(`initialDelay must be >= 0, got ${this.initialDelay}`);
    }
    this.concurrency = Math.floor(
      positive("provideConcurrency", init.provideConcurrency ?? DEFAULT_PROVIDE_CONCURRENCY),
    );
    this.provideTimeout = positive("provideTimeout", init.provideTimeout ?? DEFAULT_PROVIDE_TIMEOUT);
    this.findTimeout = positive("findTimeout", init.findTimeout ?? DEFAULT_FIND_TIMEOUT);
    this.findLimit = Math.floor(positive("findLimit", init.findLimit ?? DEFAULT_FIND_LIMIT));
    this.provides =
      components.metrics === undefined
        ? undefined
        : counter(components.metrics, {
            name: "cairn_discovery_provides_total",
            help: "DHT announcements of dataset and slot CIDs, by result (ok, unreached, error)",
            labelNames: ["result"],
          });
  }

  get started(): boolean {
    return this.shutdown !== undefined;
  }

  start(): void {
    if (this.shutdown !== undefined) return;
    this.shutdown = new AbortController();
    this.scheduleRound(this.initialDelay);
  }

  async stop(): Promise<void> {
    if (this.shutdown === undefined) return;
    this.shutdown.abort(new DiscoveryNotStartedError("discovery stopped"));
    this.shutdown = undefined;
    clearTimeout(this.roundTimer);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.extra.clear();
    this.retry.clear();
    await this.rounds.catch(() => {});
  }

  /** When each CID last reached at least one peer (unix ms), since start. */
  get announced(): ReadonlyMap<string, number> {
    return this.lastProvided;
  }

  /**
   * Announces a CID now (a new upload, a slot just filled) and keeps announcing it with
   * the rest until `withdraw` or stop. Resolves once the announcement is done; if it
   * reached nobody, it is retried in the background.
   */
  async provide(cid: CID | string, options: { signal?: AbortSignal } = {}): Promise<ProvideResult> {
    const parsed = toCid(cid);
    this.mustBeStarted();
    this.extra.set(parsed.toString(), parsed);
    const peers = await this.announce(parsed, options.signal);
    return { cid: parsed.toString(), peers };
  }

  /**
   * Stops announcing a CID that `provide` added (and tells kad-dht not to re-provide it).
   * A CID the source still returns is announced again at the next round.
   */
  async withdraw(cid: CID | string): Promise<void> {
    const parsed = toCid(cid);
    const key = parsed.toString();
    this.extra.delete(key);
    this.retry.delete(key);
    this.lastProvided.delete(key);
    await this.dht.cancelReprovide(parsed);
  }

  /** Announces the whole set now (the source's CIDs and those given to `provide`). */
  reprovide(): Promise<RoundSummary> {
    this.mustBeStarted();
    return this.enqueue(async () => this.announceAll(await this.wanted()));
  }

  /**
   * Peers that announced `cid`, in the order the DHT answers, without duplicates or this node.
   * The lookup ends after `limit` providers, after `findTimeout` when no signal is given,
   * or when the DHT has nothing more; a walk that found nobody is repeated, up to
   * DEFAULT_FIND_ATTEMPTS walks in all. A caller that has enough simply stops iterating.
   */
  async *findProviders(cid: CID | string, options: FindProvidersOptions = {}): AsyncGenerator<FoundProvider> {
    const parsed = toCid(cid);
    const shutdown = this.mustBeStarted();
    const limit = options.limit ?? this.findLimit;
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new InvalidLookupError(`limit must be an integer > 0, got ${String(limit)}`);
    }
    const deadline = AbortSignal.timeout(this.findTimeout);
    const signal = AbortSignal.any([shutdown.signal, options.signal ?? deadline]);
    const seen = new Set<string>();
    try {
      // A walk can come back empty when messages are lost (a peer busy or just gone);
      // the record is usually there, so an empty walk is repeated while time is left.
      for (let attempt = 1; attempt <= DEFAULT_FIND_ATTEMPTS && seen.size === 0; attempt++) {
        if (attempt > 1) await abortableSleep(FIND_RETRY_DELAY * (attempt - 1), signal);
        for await (const event of this.dht.findProviders(parsed, { signal })) {
          if (event.name !== "PROVIDER") continue;
          for (const info of event.providers) {
            const id = info.id.toString();
            if (info.id.equals(this.self) || seen.has(id)) continue;
            seen.add(id);
            const registered = this.directory?.byPeerId(id);
            yield {
              peerId: info.id,
              multiaddrs: info.multiaddrs,
              ...(registered === undefined ? {} : { registered }),
            };
            if (seen.size >= limit) return;
          }
        }
      }
    } catch (err) {
      // Our own deadline just ends the lookup; the caller's abort or our stop is theirs to see.
      if (isAbort(err) && deadline.aborted && options.signal === undefined && !shutdown.signal.aborted)
        return;
      if (options.signal?.aborted === true) throw options.signal.reason;
      throw err;
    }
  }

  private mustBeStarted(): AbortController {
    if (this.shutdown === undefined) throw new DiscoveryNotStartedError("discovery is not started");
    return this.shutdown;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.rounds.then(task, task);
    this.rounds = run.catch(() => {});
    return run;
  }

  private async wanted(): Promise<Map<string, CID>> {
    const all = new Map(this.extra);
    for await (const value of await this.source()) {
      try {
        const cid = toCid(value);
        all.set(cid.toString(), cid);
      } catch (err) {
        // One bad row must not stop the others from being announced.
        this.log.warn("skipping a value that is not a CID", { value: String(value), err });
      }
    }
    return all;
  }

  private scheduleRound(delay: number): void {
    if (this.shutdown === undefined) return;
    clearTimeout(this.roundTimer);
    this.roundTimer = setTimeout(() => {
      this.enqueue(async () => this.announceAll(await this.wanted()))
        .catch((err) => this.log.error("re-provide round failed", { err }))
        .finally(() => this.scheduleRound(this.reprovideInterval));
    }, delay);
    this.roundTimer.unref();
  }

  private scheduleRetry(): void {
    if (this.shutdown === undefined || this.retryTimer !== undefined || this.retry.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const batch = new Map(this.retry);
      this.retry.clear();
      this.enqueue(() => this.announceAll(batch)).catch((err) =>
        this.log.error("retry round failed", { err }),
      );
    }, this.retryInterval);
    this.retryTimer.unref();
  }

  private async announceAll(cids: Map<string, CID>): Promise<RoundSummary> {
    const started = Date.now();
    const queue = [...cids.values()];
    let provided = 0;
    const worker = async (): Promise<void> => {
      for (let cid = queue.shift(); cid !== undefined; cid = queue.shift()) {
        if (this.shutdown === undefined) return;
        if ((await this.announce(cid)) > 0) provided++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, cids.size) }, worker));
    const summary = {
      cids: cids.size,
      provided,
      retrying: cids.size - provided,
      durationMs: Date.now() - started,
    };
    this.log.info("announced held CIDs", { ...summary });
    return summary;
  }

  /** One announcement; returns the peers reached, and queues a retry when there were none. */
  private async announce(cid: CID, callerSignal?: AbortSignal): Promise<number> {
    const shutdown = this.mustBeStarted();
    const key = cid.toString();
    const signals = [shutdown.signal, AbortSignal.timeout(this.provideTimeout)];
    if (callerSignal !== undefined) signals.push(callerSignal);
    let peers = 0;
    let failed = false;
    try {
      for await (const event of this.dht.provide(cid, {
        signal: AbortSignal.any(signals),
      }) as AsyncIterable<QueryEvent>) {
        if (event.name === "PEER_RESPONSE" && event.messageName === "ADD_PROVIDER") peers++;
      }
    } catch (err) {
      if (callerSignal?.aborted === true) throw callerSignal.reason;
      if (shutdown.signal.aborted) return peers;
      failed = true;
      this.log.warn("announcement failed", { cid: key, peers, err });
    }
    if (peers > 0) {
      this.lastProvided.set(key, Date.now());
      this.retry.delete(key);
      this.provides?.inc({ result: "ok" });
      this.log.debug("announced", { cid: key, peers });
    } else {
      this.retry.set(key, cid);
      this.provides?.inc({ result: failed ? "error" : "unreached" });
      this.scheduleRetry();
    }
    return peers;
  }
}

export type DiscoveryDht = Pick<KadDHT, "provide" | "findProviders" | "cancelReprovide">;
