/**
 * An in-memory LRU of recently read blocks, bounded by bytes, in front of the durable
 * store on the serving path: popular blocks (manifests, the start of a dataset fetched by
 * several clients) are then served without a disk read. Writes go to the store first and
 * are cached only once durable, so the cache never holds a block the store lacks.
 */
import type { AbortOptions } from "@libp2p/interface";
import type { CID } from "multiformats/cid";
import type { ExchangeBlockstore } from "./types.ts";

export interface BlockCacheStats {
  hits: number;
  misses: number;
  bytes: number;
  blocks: number;
}

export class BlockCache implements ExchangeBlockstore {
  private readonly store: ExchangeBlockstore;
  private readonly maxBytes: number;
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(store: ExchangeBlockstore, maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new RangeError(`block cache size must be a whole number of bytes >= 0, got ${maxBytes}`);
    }
    this.store = store;
    this.maxBytes = maxBytes;
  }

  get stats(): BlockCacheStats {
    return { hits: this.hits, misses: this.misses, bytes: this.bytes, blocks: this.entries.size };
  }

  async has(cid: CID, options?: AbortOptions): Promise<boolean> {
    return this.entries.has(cid.toString()) || this.store.has(cid, options);
  }

  async getBytes(cid: CID, options?: AbortOptions): Promise<Uint8Array> {
    const key = cid.toString();
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    this.misses++;
    const bytes = await this.store.getBytes(cid, options);
    this.remember(key, bytes);
    return bytes;
  }

  async put(cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<CID> {
    const stored = await this.store.put(cid, bytes, options);
    this.remember(cid.toString(), bytes);
    return stored;
  }

  /** Drops a block (call when it is deleted from the store). */
  evict(cid: CID): void {
    const key = cid.toString();
    const bytes = this.entries.get(key);
    if (bytes === undefined) return;
    this.entries.delete(key);
    this.bytes -= bytes.byteLength;
  }

  private remember(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.bytes -= previous.byteLength;
    }
    this.entries.set(key, bytes);
    this.bytes += bytes.byteLength;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.byteLength;
    }
  }
}
