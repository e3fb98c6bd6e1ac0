/**
 * The uploading state's work: push every slot not yet pushed to its designated provider,
 * a few at once, each retried with a doubling delay, skipping slots the chain already shows
 * filled. A slot whose provider refused a whole round waits longer and longer (up to
 * `PUSH_MAX_BACKOFF_MS`) before the next round, so a provider that is down is not hammered
 * until the request's expiry. Push progress (bytes per slot) is kept for status and events.
 */
import type { Hex } from "viem";
import { type DatasetManifest, slotIdOf } from "../core/index.ts";
import type { Logger } from "../logging/index.ts";
import { PUSH_MAX_BACKOFF_MS } from "./constants.ts";
import type { MarketReader } from "./market.ts";
import type { PurchaseProgressEvent } from "./events.ts";
import type { PurchaseRecord, PurchaseTable } from "./purchase-table.ts";
import { pushSlot, type SlotBlockReader } from "./slot-push.ts";
import { sleep } from "./sleep.ts";

export interface SlotUploaderComponents {
  market: MarketReader;
  table: PurchaseTable;
  blockstore: SlotBlockReader;
  log: Logger;
  emit(event: PurchaseProgressEvent): void;
}

export interface SlotUploaderOptions {
  pushAttempts: number;
  pushRetryMs: number;
  pushConcurrency: number;
  pushTimeoutMs: number;
}

export class SlotUploader {
  private readonly components: SlotUploaderComponents;
  private readonly opts: SlotUploaderOptions;
  /** Bytes pushed per slot, per request, in this run of the node. */
  private readonly bytes = new Map<Hex, number[]>();
  /** When each failing slot (`requestId:index`) may be tried again, unix ms. */
  private readonly nextTry = new Map<string, number>();

  constructor(components: SlotUploaderComponents, opts: SlotUploaderOptions) {
    this.components = components;
    this.opts = opts;
  }

  /** Bytes pushed per slot: live counts while pushing, the whole slot once pushed. */
  progress(record: PurchaseRecord): number[] {
    const live = this.bytes.get(record.requestId);
    const size = Number(record.request.slotSize);
    return record.slots.map((s) => (s.pushed ? size : (live?.[s.index] ?? 0)));
  }

  /** One round: every slot not pushed and not backing off, `pushConcurrency` at a time. */
  async pushPending(record: PurchaseRecord, manifest: DatasetManifest, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const queue = record.slots.filter(
      (s) => !s.pushed && (this.nextTry.get(`${record.requestId}:${s.index}`) ?? 0) <= now,
    );
    const worker = async () => {
      for (let slot = queue.shift(); slot !== undefined && !signal.aborted; slot = queue.shift())
        await this.pushWithRetries(record, manifest, slot.index, slot.apiUrl, signal);
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.pushConcurrency, queue.length) }, worker));
  }

  private async pushWithRetries(
    record: PurchaseRecord,
    manifest: DatasetManifest,
    index: number,
    apiUrl: string,
    signal: AbortSignal,
  ): Promise<void> {
    const { market, table, log, emit } = this.components;
    const { requestId } = record;
    const key = `${requestId}:${index}`;
    const blocks = manifest.slots[index]?.blocks ?? [];
    const progress = this.bytes.get(requestId) ?? record.slots.map(() => 0);
    this.bytes.set(requestId, progress);
    let delay = this.opts.pushRetryMs;
    for (let attempt = 1; attempt <= this.opts.pushAttempts && !signal.aborted; attempt++) {
      // A slot already filled (pushed before a crash, or by someone else) needs nothing more.
      const slot = await market.slot(slotIdOf(requestId, index));
      if (slot.state !== "Free") {
        table.slotDone(requestId, index);
        return;
      }
      try {
        await pushSlot(this.components.blockstore, {
          apiUrl,
          requestId,
          index,
          blocks,
          blockSize: manifest.blockSize,
          signal,
          timeoutMs: this.opts.pushTimeoutMs,
          onBytes: (sent, total) => {
            progress[index] = sent;
            emit({ type: "purchase:slot-bytes", detail: { requestId, index, sent, total } });
          },
        });
        table.slotAttempted(requestId, index, undefined);
        this.nextTry.delete(key);
        emit({ type: "purchase:slot-pushed", detail: { requestId, index } });
        log.info("pushed a slot", { requestId, index, apiUrl });
        return;
      } catch (err) {
        if (signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        progress[index] = 0;
        table.slotAttempted(requestId, index, message);
        emit({ type: "purchase:slot-retry", detail: { requestId, index, attempt, error: message } });
        log.warn("slot push failed", { requestId, index, attempt, err: message });
        if (attempt < this.opts.pushAttempts) await sleep(delay, signal);
        delay *= 2;
      }
    }
    const failures = table.mustGet(requestId).slots[index]?.attempts ?? 1;
    this.nextTry.set(
      key,
      Date.now() + Math.min(PUSH_MAX_BACKOFF_MS, this.opts.pushRetryMs * 2 ** Math.min(failures, 20)),
    );
  }
}
