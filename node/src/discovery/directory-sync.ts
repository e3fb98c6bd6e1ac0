import type { Logger } from "../logging/index.ts";
import type { ChainReputationRecorder } from "../reputation/types.ts";
import type { Startable } from "../utils/startable.ts";
import type { DirectoryChange, ProviderDirectory } from "./provider-directory.ts";
import type { RegistryLogBatch, RegistryLogSource } from "./registry-log-source.ts";

/** The reputation cursor under which registry slashes are counted. */
export const REGISTRY_CURSOR = "registry";

export interface DirectorySyncComponents {
  directory: ProviderDirectory;
  source: RegistryLogSource;
  /** When given, every slash of a provider with a peer id lowers its `storing` score, once. */
  reputation?: Pick<ChainReputationRecorder, "recordOnce">;
  logger: Logger;
}

export interface DirectorySyncInit {
  /** The registry's deploy block: nothing before it can be a registry log. */
  fromBlock: bigint;
  /** Called after each applied change, e.g. to refresh a peer's addresses in the peer store. */
  onChange?: (change: DirectoryChange) => void;
}

/**
 * Keeps a ProviderDirectory in step with the chain: runs a log source from the deploy
 * block and folds each batch in. `waitForBlock` lets a caller (a purchase, a test) wait
 * until the directory has seen a given block.
 */
export class DirectorySync implements Startable {
  private readonly components: DirectorySyncComponents;
  private readonly init: DirectorySyncInit;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private processedTo: bigint;
  private caughtUp = false;
  private waiters: Array<{ block: bigint; resolve: () => void }> = [];

  constructor(components: DirectorySyncComponents, init: DirectorySyncInit) {
    this.components = components;
    this.init = init;
    this.processedTo = init.fromBlock - 1n;
  }

  /** The last block whose logs are all applied. */
  get syncedTo(): bigint {
    return this.processedTo;
  }

  /** True once the directory has reached the chain's head (less confirmations) at least once. */
  get ready(): boolean {
    return this.caughtUp;
  }

  start(): void {
    if (this.controller !== undefined) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.components.source
      .run({ fromBlock: this.processedTo + 1n, signal: controller.signal, onLogs: (b) => this.onBatch(b) })
      .catch((err) => this.components.logger.error("registry sync stopped", { err }));
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    this.controller = undefined;
    await this.running;
    this.running = undefined;
  }

  /** Resolves once every log up to `block` is applied (or rejects when `signal` aborts first). */
  waitForBlock(block: bigint, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.processedTo >= block) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { block, resolve };
      this.waiters.push(waiter);
      options.signal?.addEventListener(
        "abort",
        () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(options.signal?.reason);
        },
        { once: true },
      );
    });
  }

  private onBatch(batch: RegistryLogBatch): void {
    const { directory, reputation, logger } = this.components;
    for (const log of batch.logs) {
      const change = directory.apply(log);
      if (change === undefined) continue;
      if (
        log.eventName === "ProviderSlashed" &&
        reputation !== undefined &&
        change.provider?.peerId !== undefined
      ) {
        const counted = reputation.recordOnce(
          REGISTRY_CURSOR,
          { blockNumber: log.blockNumber, logIndex: log.logIndex },
          change.provider.peerId,
          "storing",
          { kind: "slashed" },
        );
        if (counted)
          logger.info("provider slashed", { provider: change.provider.address, amount: log.args.amount });
      }
      this.init.onChange?.(change);
    }
    if (batch.toBlock > this.processedTo) this.processedTo = batch.toBlock;
    if (!this.caughtUp && batch.toBlock >= batch.head) {
      this.caughtUp = true;
      logger.info("provider directory caught up", { block: batch.toBlock, providers: directory.size });
    }
    const due = this.waiters.filter((w) => w.block <= this.processedTo);
    this.waiters = this.waiters.filter((w) => w.block > this.processedTo);
    for (const w of due) w.resolve();
  }
}
