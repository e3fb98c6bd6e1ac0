import { type Abi, type Address, decodeEventLog, type Hash, type Log, type PublicClient } from "viem";
import type { ContractName } from "../generated/contracts.ts";
import type { Logger } from "../logging/index.ts";
import { type Counter, counter, type Gauge, gauge, type Registry } from "../metrics/index.ts";
import type { Database, MetadataStore } from "../store/metadata/index.ts";
import type { Startable } from "../utils/startable.ts";
import {
  DEFAULT_CONFIRMATIONS,
  DEFAULT_LOG_BATCH_BLOCKS,
  DEFAULT_REORG_HISTORY_BLOCKS,
  DEFAULT_WATCH_INTERVAL_MS,
  HANDLED_EVENTS_KEEP_BLOCKS,
  RPC_RETRY_MAX_MS,
} from "./constants.ts";
import { type BlockRef, CursorStore } from "./cursor-store.ts";
import { InvalidChainOptionError } from "./errors.ts";
import { executedHead } from "./executed-head.ts";
import { isTransportError } from "./rpc-errors.ts";

/** A contract the watcher reads events of, from the block it was deployed in. */
export interface WatchedContract {
  name: ContractName;
  address: Address;
  abi: Abi;
  /** The deploy block: nothing of this contract can be older. */
  fromBlock: bigint;
}

/** One decoded event, delivered once it is `confirmations` blocks deep. */
export interface ChainEvent {
  contract: ContractName;
  address: Address;
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: bigint;
  blockHash: Hash;
  logIndex: number;
  transactionHash: Hash;
}

/**
 * Runs inside the SQLite transaction that also marks the event handled (and, for the
 * batch's last event, moves the cursor), so its writes through `db` commit with them or not
 * at all. It must be synchronous; work that needs the network goes into a table here and
 * is done afterwards by the subscriber's own loop.
 */
export type ChainEventHandler = (event: ChainEvent, db: Database) => void;

export interface EventFilter {
  contract?: ContractName;
  /** One name or several. */
  eventName?: string | readonly string[];
}

export interface ChainWatcherInit {
  /** The cursor's key in the database: one per watcher of a node. */
  name: string;
  contracts: readonly WatchedContract[];
  /** Blocks an event must be under the head before delivery. @default DEFAULT_CONFIRMATIONS (2) */
  confirmations?: number;
  /** Ms between polls of the head. @default DEFAULT_WATCH_INTERVAL_MS (1000) */
  pollIntervalMs?: number;
  /** Blocks per eth_getLogs. @default DEFAULT_LOG_BATCH_BLOCKS (2000) */
  batchBlocks?: number;
}

export interface ChainWatcherComponents {
  publicClient: PublicClient;
  metadata: MetadataStore;
  logger: Logger;
  metrics?: Registry;
}

interface Subscription {
  filter: EventFilter;
  handler: ChainEventHandler;
}

interface Metrics {
  delivered: Counter<"event">;
  rpcErrors: Counter;
  reorgs: Counter;
  cursor: Gauge;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads Cairn's contract events from their deploy blocks and follows the head, delivering
 * each event exactly once to the handlers subscribed before `start()`.
 *
 * - Confirmations: only blocks `confirmations` under the head are read, so a reorg no
 *   deeper than that is never seen; and only blocks the client has executed, whose logs
 *   it has saved (`executedHead`).
 * - Deeper reorgs: every poll first checks that the cursor's block still has the stored
 *   hash. If not, it walks back through stored checkpoints to the newest one still on the
 *   chain, rewinds there and re-scans; events of the new blocks are delivered (they have
 *   new block hashes), events already delivered are skipped by their key (block hash +
 *   log index), and `onReorg` listeners hear of it.
 * - RPC failures: a poll that fails is retried with doubling backoff; nothing is lost,
 *   since the cursor only moves after its events were handled.
 * - Exactly once: each event's handlers and its handled-key row commit in one SQLite
 *   transaction; the cursor moves after the batch. A crash between the two re-scans the
 *   batch and skips what was handled.
 */
export class ChainWatcher implements Startable {
  readonly #client: PublicClient;
  readonly #metadata: MetadataStore;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #name: string;
  readonly #contracts: readonly WatchedContract[];
  readonly #byAddress: Map<string, WatchedContract>;
  readonly #confirmations: bigint;
  readonly #pollMs: number;
  readonly #batch: bigint;
  readonly #subscriptions: Subscription[] = [];
  readonly #reorgListeners: Array<(from: bigint) => void> = [];
  readonly #fromBlock: bigint;
  #store: CursorStore | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #polling: Promise<void> = Promise.resolve();
  #failures = 0;

  constructor(components: ChainWatcherComponents, init: ChainWatcherInit) {
    this.#client = components.publicClient;
    this.#metadata = components.metadata;
    this.#log = components.logger;
    this.#name = init.name;
    if (init.contracts.length === 0)
      throw new InvalidChainOptionError("the watcher needs at least one contract");
    this.#contracts = init.contracts;
    this.#byAddress = new Map(init.contracts.map((c) => [c.address.toLowerCase(), c]));
    this.#fromBlock = init.contracts.reduce(
      // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min takes numbers only
      (min, c) => (c.fromBlock < min ? c.fromBlock : min),
      init.contracts[0]?.fromBlock ?? 0n,
    );
    const confirmations = init.confirmations ?? DEFAULT_CONFIRMATIONS;
    if (!Number.isInteger(confirmations) || confirmations < 0)
      throw new InvalidChainOptionError(`confirmations must be a non-negative integer, got ${confirmations}`);
    this.#confirmations = BigInt(confirmations);
    this.#pollMs = init.pollIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
    if (!(this.#pollMs > 0))
      throw new InvalidChainOptionError(`pollIntervalMs must be positive, got ${this.#pollMs}`);
    const batch = init.batchBlocks ?? DEFAULT_LOG_BATCH_BLOCKS;
    if (!Number.isInteger(batch) || batch < 1)
      throw new InvalidChainOptionError(`batchBlocks must be a positive integer, got ${batch}`);
    this.#batch = BigInt(batch);
    if (components.metrics !== undefined) {
      const registry = components.metrics;
      this.#metrics = {
        delivered: counter(registry, {
          name: "cairn_chain_events_total",
          help: "Contract events delivered to the node's handlers",
          labelNames: ["event"],
        }),
        rpcErrors: counter(registry, {
          name: "cairn_chain_watcher_rpc_errors_total",
          help: "Watcher polls that failed on the RPC endpoint (retried with backoff)",
        }),
        reorgs: counter(registry, {
          name: "cairn_chain_reorgs_total",
          help: "Reorgs deeper than the confirmation depth that made the watcher re-scan",
        }),
        cursor: gauge(registry, {
          name: "cairn_chain_watcher_block",
          help: "Last block whose events were delivered",
        }),
      };
    }
  }

  /** Adds a handler; subscribe before `start()` so that no event passes by unseen. */
  subscribe(filter: EventFilter, handler: ChainEventHandler): () => void {
    const subscription = { filter, handler };
    this.#subscriptions.push(subscription);
    return () => {
      const i = this.#subscriptions.indexOf(subscription);
      if (i !== -1) this.#subscriptions.splice(i, 1);
    };
  }

  /** Called with the first re-scanned block after a reorg deeper than the confirmation depth. */
  onReorg(listener: (fromBlock: bigint) => void): void {
    this.#reorgListeners.push(listener);
  }

  /** The last block whose events were all delivered. */
  get cursor(): BlockRef | undefined {
    return this.#store?.cursor();
  }

  start(): void {
    if (this.#loop !== undefined) return;
    this.#store = new CursorStore(this.#metadata, this.#name);
    this.#stopping = false;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    this.#store?.reset();
  }

  /**
   * Polls once, after any poll under way, and resolves when done: every event confirmed
   * when it was called has then been delivered. Rejects if the RPC or a handler fails; the
   * background loop keeps polling either way.
   */
  poll(): Promise<void> {
    const next = this.#polling.catch(() => {}).then(() => this.#pollOnce());
    this.#polling = next;
    return next;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.poll();
        if (this.#failures > 0)
          this.#log.info("RPC reachable again; watcher caught up", { failures: this.#failures });
        this.#failures = 0;
      } catch (err) {
        this.#failures++;
        this.#metrics?.rpcErrors.inc();
        const level = this.#failures === 1 || this.#failures % 10 === 0 ? "warn" : "debug";
        this.#log[level](
          isTransportError(err) ? "RPC unreachable; retrying" : "watcher poll failed; retrying",
          {
            failures: this.#failures,
            err: err instanceof Error ? err.message.split("\n")[0] : String(err),
          },
        );
      }
      const delay =
        this.#failures === 0
          ? this.#pollMs
          : Math.min(this.#pollMs * 2 ** Math.min(this.#failures, 10), RPC_RETRY_MAX_MS);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async #pollOnce(): Promise<void> {
    const store = this.#mustStore();
    const head = await this.#client.getBlockNumber({ cacheTime: 0 });
    let cursor = await this.#checkForReorg(store, store.cursor());
    let from = cursor === undefined ? this.#fromBlock : cursor.number + 1n;
    const confirmed = head - this.#confirmations;
    // Confirmed is not always executed: see executed-head.ts.
    const safe = await executedHead(this.#client, from, confirmed);
    while (from <= safe && !this.#stopping) {
      const to = from + this.#batch - 1n < safe ? from + this.#batch - 1n : safe;
      const { logs, end } = await this.#logsBetween(from, to);
      for (const log of logs) this.#deliver(store, log);
      store.setCursor(end, DEFAULT_REORG_HISTORY_BLOCKS);
      const keep = BigInt(HANDLED_EVENTS_KEEP_BLOCKS);
      if (end.number > keep) store.pruneHandled(end.number - keep);
      this.#metrics?.cursor.set(Number(end.number));
      cursor = end;
      from = to + 1n;
    }
  }

  /**
   * Logs of the watched contracts in [from, to], and `to`'s block. The block's hash is read
   * before and after the logs: if it changed, a reorg happened mid-read, so read again.
   */
  async #logsBetween(from: bigint, to: bigint): Promise<{ logs: Log[]; end: BlockRef }> {
    for (;;) {
      const before = await this.#client.getBlock({ blockNumber: to });
      const logs = await this.#client.getLogs({
        address: this.#contracts.map((c) => c.address),
        fromBlock: from,
        toBlock: to,
      });
      const after = await this.#client.getBlock({ blockNumber: to });
      if (before.hash === after.hash && before.hash !== null) {
        const live = logs.filter((log) => !log.removed);
        live.sort((a, b) =>
          a.blockNumber === b.blockNumber
            ? (a.logIndex ?? 0) - (b.logIndex ?? 0)
            : Number((a.blockNumber ?? 0n) - (b.blockNumber ?? 0n)),
        );
        return { logs: live, end: { number: to, hash: after.hash } };
      }
      await sleep(50);
    }
  }

  /** Delivers one log to the matching handlers, once, in one transaction with its key. */
  #deliver(store: CursorStore, log: Log): void {
    const contract = this.#byAddress.get(log.address.toLowerCase());
    const { blockHash, logIndex, blockNumber, transactionHash } = log;
    if (contract === undefined || blockHash === null || logIndex === null || blockNumber === null) return;
    let decoded: { eventName: string; args: unknown };
    try {
      decoded = decodeEventLog({ abi: contract.abi, data: log.data, topics: log.topics }) as typeof decoded;
    } catch {
      this.#log.debug("skipping a log no ABI event matches", { address: log.address, blockNumber });
      return;
    }
    const event: ChainEvent = {
      contract: contract.name,
      address: contract.address,
      eventName: decoded.eventName,
      args: (decoded.args ?? {}) as Record<string, unknown>,
      blockNumber,
      blockHash,
      logIndex,
      transactionHash: transactionHash ?? ("0x" as Hash),
    };
    const delivered = this.#metadata.transaction((db) => {
      if (store.isHandled(blockHash, logIndex)) return false;
      for (const { filter, handler } of this.#subscriptions) {
        if (matches(filter, event)) handler(event, db);
      }
      store.markHandled(blockHash, logIndex, blockNumber);
      return true;
    });
    if (delivered) this.#metrics?.delivered.inc({ event: event.eventName });
  }

  /** Returns the cursor, rewound to the newest checkpoint still on the chain if it was reorged away. */
  async #checkForReorg(store: CursorStore, cursor: BlockRef | undefined): Promise<BlockRef | undefined> {
    if (cursor === undefined) return undefined;
    if ((await this.#hashAt(cursor.number)) === cursor.hash) return cursor;
    let fork: BlockRef | undefined;
    for (const checkpoint of store.checkpoints(cursor.number)) {
      if ((await this.#hashAt(checkpoint.number)) === checkpoint.hash) {
        fork = checkpoint;
        break;
      }
    }
    this.#metrics?.reorgs.inc();
    const from = fork === undefined ? this.#fromBlock : fork.number + 1n;
    this.#log.warn("reorg deeper than the confirmation depth; re-scanning", {
      cursor: cursor.number,
      from,
      confirmations: this.#confirmations,
    });
    this.#metadata.transaction(() => store.rewind(fork));
    for (const listener of this.#reorgListeners) listener(from);
    return fork;
  }

  async #hashAt(blockNumber: bigint): Promise<Hash | undefined> {
    const block = await this.#client.getBlock({ blockNumber }).catch((err: unknown) => {
      if (isTransportError(err)) throw err;
      return undefined; // a block the chain no longer has (it got shorter)
    });
    return block?.hash ?? undefined;
  }

  #mustStore(): CursorStore {
    if (this.#store === undefined) throw new InvalidChainOptionError("the watcher is not started");
    return this.#store;
  }
}

function matches(filter: EventFilter, event: ChainEvent): boolean {
  if (filter.contract !== undefined && filter.contract !== event.contract) return false;
  if (filter.eventName === undefined) return true;
  return typeof filter.eventName === "string"
    ? filter.eventName === event.eventName
    : filter.eventName.includes(event.eventName);
}
