/**
 * Per-provider figures of one retrieval, folded from the exchange's download events: what
 * each provider delivered and what it cost (blocks × its quoted price per block, which is
 * what the session's vouchers pay it).
 */
import type { DownloadProgressEvent } from "../protocols/exchange/index.ts";

export interface ProviderProgress {
  peer: string;
  /** wei per block it quoted */
  price: bigint;
  blocks: number;
  bytes: number;
  /** wei owed for what it delivered: blocks × price */
  paid: bigint;
  /** Set when the download stopped using it. */
  dropped?: string;
}

export type RetrievalProgressEvent =
  | { type: "cairn:retrieval:provider"; detail: ProviderProgress }
  | { type: "cairn:retrieval:block"; detail: { cid: string; provider: ProviderProgress } }
  | { type: "cairn:retrieval:rebuilt"; detail: { stripe: number; missing: number } };

export class ProgressTracker {
  private readonly providers = new Map<string, ProviderProgress>();
  private readonly onProgress: ((event: RetrievalProgressEvent) => void) | undefined;

  constructor(onProgress?: (event: RetrievalProgressEvent) => void) {
    this.onProgress = onProgress;
  }

  /** Every provider seen so far. */
  summary(): ProviderProgress[] {
    return [...this.providers.values()].map((p) => ({ ...p }));
  }

  /** Totals over all providers. */
  totals(): { blocks: number; bytes: number; paid: bigint } {
    let blocks = 0;
    let bytes = 0;
    let paid = 0n;
    for (const p of this.providers.values()) {
      blocks += p.blocks;
      bytes += p.bytes;
      paid += p.paid;
    }
    return { blocks, bytes, paid };
  }

  rebuilt(stripe: number, missing: number): void {
    this.emit({ type: "cairn:retrieval:rebuilt", detail: { stripe, missing } });
  }

  /** Folds one exchange event in and reports it. */
  exchangeEvent = (event: DownloadProgressEvent): void => {
    switch (event.type) {
      case "cairn:exchange:provider-joined": {
        const provider = this.of(event.detail.peer);
        provider.price = event.detail.price;
        this.emit({ type: "cairn:retrieval:provider", detail: { ...provider } });
        break;
      }
      case "cairn:exchange:provider-dropped": {
        const provider = this.of(event.detail.peer);
        provider.dropped = event.detail.reason;
        this.emit({ type: "cairn:retrieval:provider", detail: { ...provider } });
        break;
      }
      case "cairn:exchange:block": {
        const provider = this.of(event.detail.peer);
        provider.blocks++;
        provider.bytes += event.detail.bytes;
        provider.paid += provider.price;
        this.emit({
          type: "cairn:retrieval:block",
          detail: { cid: event.detail.cid.toString(), provider: { ...provider } },
        });
        break;
      }
    }
  };

  private of(peer: string): ProviderProgress {
    let provider = this.providers.get(peer);
    if (provider === undefined) {
      provider = { peer, price: 0n, blocks: 0, bytes: 0, paid: 0n };
      this.providers.set(peer, provider);
    }
    return provider;
  }

  private emit(event: RetrievalProgressEvent): void {
    try {
      this.onProgress?.(event);
    } catch {
      // A progress listener's bug must not break the download.
    }
  }
}
