/**
 * The client's side of a storage deal, as a state machine per purchase, persisted in
 * SQLite (purchase-table.ts) and resumed at `start()`:
 *
 *   quoted ──requestStorage──> requested ──> uploading ──all slots filled──> started ──> finished
 *     │                                         │                              │            │
 *     └─ refused by the contract: aborted       └─ expiry, unfilled: cancelled └─ failed    │
 *                                                             │                   │         │
 *                                                             └──── withdraw ─────┴─────────┴──> withdrawn
 *
 * - quoted: the exact request (a fresh random nonce, so its id is known) is on disk before
 *   it is sent. After a crash the chain is asked whether that id exists, and the same
 *   request is sent again only if it does not, so one purchase never makes two requests.
 * - uploading: each slot's bytes are pushed to its designated provider, with retries, until
 *   the chain shows the slot filled or the request leaves New.
 * - started: the request runs; it is read now and then until it ends or fails.
 * - cancelled, failed, finished: the client's funds are withdrawn (automatically unless
 *   `autoWithdraw` is off, or through `withdraw`).
 */
import { CID } from "multiformats/cid";
import { type Address, bytesToHex, type Hex, parseEventLogs, type PublicClient, toHex } from "viem";
import { ContractRevertError } from "../chain/errors.ts";
import type { TransactionSender } from "../chain/types.ts";
import { type DatasetManifest, decodeManifest, requestIdOf, slotIdOf } from "../core/index.ts";
import { storageMarketAbi } from "../generated/contracts.ts";
import { type Logger, logger as defaultLogger } from "../logging/index.ts";
import type { ReputationRecorder } from "../reputation/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import type { Startable } from "../utils/startable.ts";
import {
  DEFAULT_COLLATERAL_PER_BYTE,
  DEFAULT_EXPIRY_SECONDS,
  DEFAULT_FOLLOW_INTERVAL_MS,
  DEFAULT_PROOF_PROBABILITY,
  DEFAULT_PUSH_ATTEMPTS,
  DEFAULT_PUSH_CONCURRENCY,
  DEFAULT_PUSH_RETRY_MS,
  DEFAULT_PUSH_TIMEOUT_MS,
  DEFAULT_RUNNING_INTERVAL_MS,
  NEEDS_LOCAL_COPY,
  TERMINAL_STATES,
} from "./constants.ts";
import {
  PurchaseInputError,
  PurchaseStateError,
  PurchasingStoppedError,
  UnknownDatasetError,
} from "./errors.ts";
import type { PurchaseProgressEvent } from "./events.ts";
import { MarketReader, type OnChainRequest, type OnChainSlotState } from "./market.ts";
import type { ProviderSource } from "./provider-source.ts";
import {
  type MarketRequest,
  PurchaseTable,
  type PurchaseRecord,
  type PurchaseState,
} from "./purchase-table.ts";
import { type Quote, type QuoteInput, quoteStorage } from "./quote.ts";
import type { SlotBlockReader } from "./slot-push.ts";
import { SlotUploader } from "./slot-uploader.ts";
import { sleep } from "./sleep.ts";

export type { PurchaseProgressEvent } from "./events.ts";

export interface PurchasingInit {
  /** StorageMarket's address. */
  market: Address;
  /** ms between reads of a request waiting to start. @default DEFAULT_FOLLOW_INTERVAL_MS (2 s) */
  followIntervalMs?: number;
  /** ms between reads of a running request. @default DEFAULT_RUNNING_INTERVAL_MS (30 s) */
  runningIntervalMs?: number;
  /** Tries per slot per round before waiting a follow interval. @default DEFAULT_PUSH_ATTEMPTS (3) */
  pushAttempts?: number;
  /** ms before the first retry of a push; doubles. @default DEFAULT_PUSH_RETRY_MS (500) */
  pushRetryMs?: number;
  /** Slots pushed at once. @default DEFAULT_PUSH_CONCURRENCY (2) */
  pushConcurrency?: number;
  /** ms one push may take. @default DEFAULT_PUSH_TIMEOUT_MS (5 min) */
  pushTimeoutMs?: number;
  /** Withdraw as soon as a request has ended, failed or been cancelled. @default true */
  autoWithdraw?: boolean;
}

export interface PurchasingComponents {
  /** The node's one nonce-owning sender. */
  sender: TransactionSender;
  publicClient: Pick<PublicClient, "readContract" | "getBlock">;
  /** With PURCHASING_SCHEMA applied; its `datasets` say which CIDs are stored here. */
  metadata: Pick<MetadataStore, "database" | "transaction" | "datasets">;
  /** Where slot blocks and manifests are read from. */
  blockstore: SlotBlockReader;
  providers: ProviderSource;
  reputation?: Pick<ReputationRecorder, "score">;
  /** Probes a provider's REST API before a quote chooses it (`probeProviderApi`); none: not probed. */
  reachable?: (apiUrl: string) => Promise<boolean>;
  /** @default logger("purchasing") */
  logger?: Logger;
}

/** What a client asks for when it buys storage for a stored dataset. */
export interface BuyInput {
  /** The dataset's manifest CID (an erasure-coded upload on this node). */
  cid: string;
  /** Seconds. */
  duration: bigint;
  /** The most paid, wei per byte per second. */
  maxPricePerBytePerSecond?: bigint;
  /** @default DEFAULT_COLLATERAL_PER_BYTE */
  collateralPerByte?: bigint;
  /** @default DEFAULT_PROOF_PROBABILITY */
  proofProbability?: number;
  /** Seconds from now by which every slot must be filled. @default min(1 h, duration / 2) */
  expirySeconds?: number;
}

export interface PurchaseStatus extends PurchaseRecord {
  /** The chain's view; undefined before the request is sent. */
  onChain: (OnChainRequest & { slotStates: OnChainSlotState[] }) | undefined;
  /** Bytes pushed per slot in this run of the node (all of a slot once pushed). */
  slotBytes: number[];
  /** Seconds until the request's expiry (while New) or its end (while Started); 0 after. */
  timeLeft: number | undefined;
}

function randomNonce(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

const ENDED: Partial<Record<OnChainRequest["state"], PurchaseState>> = {
  Started: "started",
  Finished: "finished",
  Failed: "failed",
  Cancelled: "cancelled",
};

export class Purchasing implements Startable {
  private readonly components: PurchasingComponents;
  private readonly market: MarketReader;
  private readonly table: PurchaseTable;
  private readonly log: Logger;
  private readonly opts: Required<Omit<PurchasingInit, "market">>;
  private readonly runners = new Map<Hex, Promise<void>>();
  private readonly listeners = new Map<Hex, Set<(event: PurchaseProgressEvent) => void>>();
  private readonly withdrawals = new Map<Hex, Promise<PurchaseRecord>>();
  private readonly uploader: SlotUploader;
  private abort = new AbortController();
  private running = false;

  constructor(components: PurchasingComponents, init: PurchasingInit) {
    this.components = components;
    this.market = new MarketReader(components.publicClient, init.market);
    this.table = new PurchaseTable(components.metadata);
    this.log = components.logger ?? defaultLogger("purchasing");
    this.opts = {
      followIntervalMs: init.followIntervalMs ?? DEFAULT_FOLLOW_INTERVAL_MS,
      runningIntervalMs: init.runningIntervalMs ?? DEFAULT_RUNNING_INTERVAL_MS,
      pushAttempts: init.pushAttempts ?? DEFAULT_PUSH_ATTEMPTS,
      pushRetryMs: init.pushRetryMs ?? DEFAULT_PUSH_RETRY_MS,
      pushConcurrency: init.pushConcurrency ?? DEFAULT_PUSH_CONCURRENCY,
      pushTimeoutMs: init.pushTimeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS,
      autoWithdraw: init.autoWithdraw ?? true,
    };
    this.uploader = new SlotUploader(
      {
        market: this.market,
        table: this.table,
        blockstore: components.blockstore,
        log: this.log,
        emit: (event) => this.emit(event),
      },
      this.opts,
    );
  }

  /** Resumes every purchase that still has work, from the state it was left in. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    for (const purchase of this.table.unfinished(TERMINAL_STATES)) {
      this.log.info("resuming a purchase", { requestId: purchase.requestId, state: purchase.state });
      this.drive(purchase.requestId);
    }
  }

  /** Stops following; a transaction already sent finishes in the sender. State stays on disk. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort(new PurchasingStoppedError("purchasing stopped"));
    await Promise.allSettled([...this.runners.values()]);
    this.runners.clear();
  }

  /** A quote for `size` bytes (or a slot size) coded k + m. */
  quote(input: QuoteInput): Promise<Quote> {
    return quoteStorage(this.quoteComponents(), input);
  }

  /** A quote for a stored dataset: k, m and the slot size come from its manifest. */
  async quoteDataset(
    cid: string,
    terms: Omit<QuoteInput, "k" | "m" | "slotSize">,
  ): Promise<{ quote: Quote; manifest: DatasetManifest; manifestCid: CID }> {
    const { manifest, manifestCid } = await this.loadManifest(cid);
    const quote = await this.quote({
      ...terms,
      k: manifest.k,
      m: manifest.m,
      slotSize: BigInt(manifest.stripes * manifest.blockSize),
    });
    return { quote, manifest, manifestCid };
  }

  /**
   * Quotes, records and sends the request for a stored dataset. Resolves once the request
   * is on-chain (or rejects with the contract's refusal); the pushes and the rest of the
   * lifecycle go on in the background, reported through `onProgress` and `status`.
   */
  async buy(
    input: BuyInput,
    options: { onProgress?: (event: PurchaseProgressEvent) => void } = {},
  ): Promise<{ purchase: PurchaseRecord; quote: Quote }> {
    if (!this.running) throw new PurchasingStoppedError("purchasing is not started");
    const proofProbability = input.proofProbability ?? DEFAULT_PROOF_PROBABILITY;
    if (!Number.isInteger(proofProbability) || proofProbability < 1 || proofProbability > 65_535)
      throw new PurchaseInputError("proofProbability", "must be an integer from 1 to 65535");
    const { quote, manifest, manifestCid } = await this.quoteDataset(input.cid, {
      duration: input.duration,
      maxPricePerBytePerSecond: input.maxPricePerBytePerSecond,
      collateralPerByte: input.collateralPerByte ?? DEFAULT_COLLATERAL_PER_BYTE,
    });
    const duration = Number(input.duration);
    const expirySeconds = input.expirySeconds ?? Math.min(DEFAULT_EXPIRY_SECONDS, Math.floor(duration / 2));
    if (!Number.isInteger(expirySeconds) || expirySeconds < 1 || expirySeconds >= duration)
      throw new PurchaseInputError(
        "expiry",
        `must be a whole number of seconds from 1 to under the duration (${duration} s), got ${expirySeconds}`,
      );
    // The contract measures expiry against block time: a request sent within a few
    // blocks must still be before it, so it is set from the chain's clock.
    const now = await this.market.now();
    const nonce = randomNonce();
    const client = this.components.sender.address;
    const requestId = requestIdOf(client, nonce);
    const request: MarketRequest = {
      nonce,
      cid: toHex(manifestCid.bytes),
      slotRoots: manifest.slots.map((slot) => bytesToHex(slot.root)),
      providers: quote.providers.map((p) => p.address),
      slotSize: quote.slotSize,
      dataSlots: manifest.k,
      duration: input.duration,
      pricePerBytePerSecond: quote.pricePerBytePerSecond,
      collateralPerByte: quote.collateralPerByte,
      proofProbability,
      expiry: BigInt(now + expirySeconds),
    };
    this.table.insert({
      requestId,
      client,
      cid: manifestCid.toString(),
      request,
      escrow: quote.escrow,
      slots: quote.providers.map((p, index) => ({
        index,
        provider: p.address,
        apiUrl: p.apiUrl,
        region: p.region,
        infrastructure: p.infrastructure,
      })),
    });
    this.refreshHold(manifestCid.toString());
    if (options.onProgress !== undefined) this.subscribe(requestId, options.onProgress);
    this.log.info("buying storage", {
      requestId,
      cid: manifestCid.toString(),
      slots: quote.providers.length,
      escrow: quote.escrow,
    });
    // The first send happens here, so the caller learns of a refusal; the rest runs on.
    // Any other failure leaves the purchase quoted, and the runner tries it again.
    try {
      await this.sendRequest(this.table.mustGet(requestId));
    } catch (err) {
      this.drive(requestId);
      throw err;
    }
    const purchase = this.table.mustGet(requestId);
    this.drive(requestId);
    return { purchase, quote };
  }

  /** Listens to one purchase's progress; returns the unsubscribe. */
  subscribe(requestId: Hex, listener: (event: PurchaseProgressEvent) => void): () => void {
    const key = requestId.toLowerCase() as Hex;
    const set = this.listeners.get(key) ?? new Set();
    set.add(listener);
    this.listeners.set(key, set);
    return () => set.delete(listener);
  }

  list(): PurchaseRecord[] {
    return this.table.list();
  }

  /** The purchase as recorded, with the chain's view and push progress. */
  async status(requestId: string): Promise<PurchaseStatus> {
    const record = this.table.mustGet(requestId);
    const slotBytes = this.uploader.progress(record);
    if (record.state === "quoted" || record.state === "aborted")
      return { ...record, onChain: undefined, slotBytes, timeLeft: undefined };
    const [info, now, slotStates] = await Promise.all([
      this.market.request(record.requestId),
      this.market.now(),
      Promise.all(
        record.slots.map(async (s) => (await this.market.slot(slotIdOf(record.requestId, s.index))).state),
      ),
    ]);
    const until = info.state === "New" ? info.expiry : info.state === "Started" ? info.endsAt : now;
    return { ...record, onChain: { ...info, slotStates }, slotBytes, timeLeft: Math.max(0, until - now) };
  }

  /**
   * Withdraws the client's funds of an ended, failed or cancelled request. Idempotent:
   * a purchase already withdrawn is returned as is.
   */
  async withdraw(requestId: string): Promise<PurchaseRecord> {
    const record = this.table.mustGet(requestId);
    if (record.state === "withdrawn") return record;
    if (record.state === "quoted" || record.state === "aborted")
      throw new PurchaseStateError(`request ${record.requestId} never reached the chain (${record.state})`);
    const info = await this.market.request(record.requestId);
    const ended = ENDED[info.state];
    if (ended === undefined || ended === "started")
      throw new PurchaseStateError(
        `request ${record.requestId} is ${info.state} on-chain; funds can be withdrawn once it has finished, failed or been cancelled`,
      );
    if (record.state !== ended) this.setState(record.requestId, ended);
    return this.withdrawOnce(record.requestId);
  }

  private quoteComponents() {
    return {
      market: this.market,
      providers: this.components.providers,
      reputation: this.components.reputation,
      reachable: this.components.reachable,
    };
  }

  /** The manifest of a dataset stored here; refuses CIDs that are not erasure-coded datasets of this node. */
  async loadManifest(cid: string): Promise<{ manifest: DatasetManifest; manifestCid: CID }> {
    let parsed: CID;
    try {
      parsed = CID.parse(cid);
    } catch {
      throw new PurchaseInputError("cid", `is not a CID: ${JSON.stringify(cid)}`);
    }
    const dataset = this.components.metadata.datasets.get(parsed.toString());
    if (dataset === undefined) throw new UnknownDatasetError(`no dataset ${cid} is stored on this node`);
    if (dataset.manifestCid === undefined)
      throw new UnknownDatasetError(
        `dataset ${cid} is not erasure-coded; upload it with k and m to buy storage for it`,
      );
    const manifestCid = CID.parse(dataset.manifestCid);
    const bytes = await this.components.blockstore.getBytes(manifestCid);
    return { manifest: await decodeManifest(bytes, manifestCid), manifestCid };
  }

  private emit(event: PurchaseProgressEvent): void {
    for (const listener of this.listeners.get(event.detail.requestId) ?? []) {
      try {
        listener(event);
      } catch (err) {
        this.log.warn("a progress listener threw", { err });
      }
    }
  }

  private setState(requestId: Hex, state: PurchaseState, extra?: Parameters<PurchaseTable["setState"]>[2]) {
    this.table.setState(requestId, state, extra);
    this.refreshHold(this.table.mustGet(requestId).cid);
    this.log.info("purchase state", { requestId, state });
    this.emit({ type: "purchase:state", detail: { requestId, state } });
    // Nothing more will happen to it: its listeners can go.
    if (TERMINAL_STATES.includes(state)) this.listeners.delete(requestId);
  }

  /**
   * Holds the dataset (refuses its deletion) while a purchase of it still has slots to
   * push, and releases it once none has: after the request starts the providers hold
   * every slot, and the client may drop its own copy and fetch it back from them.
   */
  private refreshHold(cid: string): void {
    const { datasets } = this.components.metadata;
    if (!datasets.has(cid)) return;
    const needed = this.table
      .unfinished(TERMINAL_STATES)
      .some((p) => p.cid === cid && NEEDS_LOCAL_COPY.includes(p.state));
    if (datasets.get(cid)?.heldForDeal !== needed) datasets.setHeldForDeal(cid, needed);
  }

  /** Runs the purchase's state machine in the background, once per purchase. */
  private drive(requestId: Hex): void {
    if (this.runners.has(requestId) || !this.running) return;
    const signal = this.abort.signal;
    const run = this.run(requestId, signal)
      .catch((err) => {
        if (!signal.aborted) this.log.error("a purchase stopped on an error", { requestId, err });
      })
      .finally(() => this.runners.delete(requestId));
    this.runners.set(requestId, run);
  }

  private async run(requestId: Hex, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const record = this.table.mustGet(requestId);
      try {
        switch (record.state) {
          case "quoted":
            await this.sendRequest(record);
            break;
          case "requested":
            this.setState(requestId, "uploading");
            break;
          case "uploading":
            await this.upload(record, signal);
            break;
          case "started": {
            const info = await this.market.request(requestId);
            const next = ENDED[info.state];
            if (next !== undefined && next !== "started") this.setState(requestId, next);
            else await sleep(this.opts.runningIntervalMs, signal);
            break;
          }
          case "cancelled":
          case "failed":
          case "finished":
            if (!this.opts.autoWithdraw) return;
            await this.withdrawOnce(requestId);
            break;
          case "withdrawn":
          case "aborted":
            return;
        }
      } catch (err) {
        if (signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        if (this.table.get(requestId)?.state === "aborted") return;
        this.table.setError(requestId, message);
        this.log.warn("purchase step failed; will retry", { requestId, state: record.state, err: message });
        await sleep(this.opts.followIntervalMs, signal);
      }
    }
  }

  /**
   * Sends the recorded request unless the chain already has it (a crash after sending).
   * A contract refusal aborts the purchase and is thrown.
   */
  private async sendRequest(record: PurchaseRecord): Promise<void> {
    const { requestId } = record;
    let info = await this.market.request(requestId);
    if (info.state === "None") {
      try {
        await this.components.sender.send(
          {
            address: this.market.address,
            abi: storageMarketAbi,
            functionName: "requestStorage",
            args: [record.request],
            value: record.escrow,
          },
          { label: "requestStorage" },
        );
      } catch (err) {
        if (err instanceof ContractRevertError && err.errorName !== "StorageMarketRequestExists") {
          this.setState(requestId, "aborted", { lastError: err.message });
          throw err;
        }
        if (!(err instanceof ContractRevertError)) throw err;
      }
      info = await this.market.request(requestId);
    }
    this.setState(requestId, "requested", { endsAt: info.endsAt, lastError: null });
  }

  /** One round of the uploading state: follow the chain, push what is not pushed, wait. */
  private async upload(record: PurchaseRecord, signal: AbortSignal): Promise<void> {
    const { requestId } = record;
    const info = await this.market.request(requestId);
    const next = ENDED[info.state];
    if (next !== undefined) {
      this.setState(requestId, next);
      return;
    }
    if (record.slots.some((s) => !s.pushed)) {
      const { manifest } = await this.loadManifest(record.cid);
      await this.uploader.pushPending(record, manifest, signal);
    }
    await sleep(this.opts.followIntervalMs, signal);
  }

  /** One withdrawal at a time per request, whoever asks (the runner or the API). */
  private withdrawOnce(requestId: Hex): Promise<PurchaseRecord> {
    let pending = this.withdrawals.get(requestId);
    if (pending === undefined) {
      pending = this.sendWithdraw(requestId).finally(() => this.withdrawals.delete(requestId));
      this.withdrawals.set(requestId, pending);
    }
    return pending;
  }

  private async sendWithdraw(requestId: Hex): Promise<PurchaseRecord> {
    const record = this.table.mustGet(requestId);
    if (record.state === "withdrawn") return record;
    let amount: bigint | undefined;
    try {
      const { receipt } = await this.components.sender.send(
        {
          address: this.market.address,
          abi: storageMarketAbi,
          functionName: "withdraw",
          args: [requestId],
        },
        { label: "withdraw" },
      );
      const [event] = parseEventLogs({
        abi: storageMarketAbi,
        logs: receipt.logs,
        eventName: "FundsWithdrawn",
      });
      amount = event?.args.amount;
    } catch (err) {
      // Sent before a crash: the chain already paid it.
      if (!(err instanceof ContractRevertError && err.errorName === "StorageMarketAlreadyWithdrawn"))
        throw err;
    }
    this.setState(requestId, "withdrawn", { withdrawn: amount, lastError: null });
    return this.table.mustGet(requestId);
  }
}
