/**
 * One inbound stream's pending wants, served highest priority first and, within a
 * priority, in the order they arrived. A cancel removes a want that has not been taken
 * for serving yet; a `full` wantlist replaces everything pending.
 */
import { Message } from "../codec.ts";

export class WantQueue {
  private readonly pending = new Map<string, { entry: Message.Wantlist.Entry; seq: number }>();
  private seq = 0;
  private ended = false;
  private wake: (() => void) | undefined;

  get size(): number {
    return this.pending.size;
  }

  add(wantlist: Message.Wantlist): void {
    if (wantlist.full) this.pending.clear();
    for (const entry of wantlist.entries) {
      const key = keyOf(entry.cid);
      if (entry.cancel) this.pending.delete(key);
      else this.pending.set(key, { entry, seq: this.seq++ });
    }
    this.notify();
  }

  /** No more wants will come (the client closed its side). */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /**
   * Up to `max` wants to serve next, waiting while there are none. Resolves with an empty
   * batch once the queue has ended and drained.
   */
  async take(max: number): Promise<Message.Wantlist.Entry[]> {
    while (this.pending.size === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return this.takeNow(max);
  }

  /** Up to `max` wants to serve next, without waiting: none if none are queued. */
  takeNow(max: number): Message.Wantlist.Entry[] {
    if (this.pending.size === 0 || max <= 0) return [];
    let items = [...this.pending.values()];
    // Sorting is only needed when priorities differ; the common case is one priority in order.
    if (items.some((i) => i.entry.priority !== items[0]?.entry.priority)) {
      items.sort((a, b) => b.entry.priority - a.entry.priority || a.seq - b.seq);
    }
    items = items.slice(0, max);
    for (const item of items) this.pending.delete(keyOf(item.entry.cid));
    return items.map((i) => i.entry);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function keyOf(cid: Uint8Array): string {
  return Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString("base64");
}

export { Message };
