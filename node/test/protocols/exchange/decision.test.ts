import { randomBytes } from "node:crypto";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { describe, expect, it } from "vitest";
import { FairScheduler } from "../../../src/protocols/exchange/decision/fair-scheduler.ts";
import { TokenBucket } from "../../../src/protocols/exchange/decision/token-bucket.ts";
import { WantQueue } from "../../../src/protocols/exchange/decision/want-queue.ts";
import { BlockCache, Message } from "../../../src/protocols/exchange/index.ts";
import type { ExchangeBlockstore } from "../../../src/protocols/exchange/index.ts";

const { WantBlock } = Message.Wantlist.WantType;

async function cidOf(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(0x55, await sha256.digest(bytes));
}

function entry(cid: CID, priority = 1, cancel = false): Message.Wantlist.Entry {
  return {
    cid: cid.bytes as Uint8Array<ArrayBuffer>,
    priority,
    cancel,
    wantType: WantBlock,
    sendDontHave: true,
    maxPrice: new Uint8Array(),
  };
}

describe("WantQueue", () => {
  it("serves by priority then arrival, honours cancels and full wantlists", async () => {
    const cids = await Promise.all([1, 2, 3, 4].map((i) => cidOf(Uint8Array.of(i))));
    const [a, b, c, d] = cids as [CID, CID, CID, CID];
    const queue = new WantQueue();
    queue.add({ full: false, entries: [entry(a), entry(b, 5), entry(c)] });
    queue.add({ full: false, entries: [entry(a, 1, true)] });
    const first = await queue.take(10);
    expect(first.map((e) => CID.decode(e.cid).toString())).toEqual([b.toString(), c.toString()]);
    queue.add({ full: false, entries: [entry(a), entry(b)] });
    queue.add({ full: true, entries: [entry(d)] });
    expect((await queue.take(10)).map((e) => CID.decode(e.cid).toString())).toEqual([d.toString()]);
    const waiting = queue.take(10);
    queue.end();
    expect(await waiting).toEqual([]);
  });
});

describe("TokenBucket", () => {
  it("lets a second's burst through, then paces to the rate", () => {
    const bucket = new TokenBucket(1000);
    expect(bucket.take(1000)).toBe(0);
    const wait = bucket.take(500);
    expect(wait).toBeGreaterThan(400);
    expect(wait).toBeLessThanOrEqual(500);
    expect(new TokenBucket(Number.POSITIVE_INFINITY).take(1e12)).toBe(0);
  });
});

describe("FairScheduler", () => {
  it("gives contended turns round robin, weighted by priority", async () => {
    const scheduler = new FairScheduler(1);
    const hold = await scheduler.acquire("x", 1);
    const order: string[] = [];
    const waits: Array<Promise<void>> = [];
    // "heavy" queues 6 turns at priority 1, "light" 3 at priority 2, "other" 2 at priority 1.
    for (let i = 0; i < 6; i++)
      waits.push(
        scheduler.acquire("heavy", 1).then((r) => {
          order.push("heavy");
          r();
        }),
      );
    for (let i = 0; i < 3; i++)
      waits.push(
        scheduler.acquire("light", 2).then((r) => {
          order.push("light");
          r();
        }),
      );
    for (let i = 0; i < 2; i++)
      waits.push(
        scheduler.acquire("other", 1).then((r) => {
          order.push("other");
          r();
        }),
      );
    hold();
    await Promise.all(waits);
    expect(order.slice(0, 8)).toEqual([
      "heavy",
      "light",
      "light",
      "other",
      "heavy",
      "light",
      "other",
      "heavy",
    ]);
    expect(order).toHaveLength(11);
  });

  it("grants at once while a slot is free", async () => {
    const scheduler = new FairScheduler(2);
    const a = await scheduler.acquire("a", 1);
    const b = await scheduler.acquire("b", 1);
    let third = false;
    const c = scheduler.acquire("c", 1).then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    a();
    (await c)();
    b();
    expect(third).toBe(true);
  });
});

describe("BlockCache", () => {
  it("keeps the most recently used blocks within its byte budget and serves hits from memory", async () => {
    const disk = new Map<string, Uint8Array>();
    let reads = 0;
    const store: ExchangeBlockstore = {
      has: async (cid) => disk.has(cid.toString()),
      getBytes: async (cid) => {
        reads++;
        const bytes = disk.get(cid.toString());
        if (bytes === undefined) throw new Error("absent");
        return bytes;
      },
      put: async (cid, bytes) => {
        disk.set(cid.toString(), bytes);
        return cid;
      },
    };
    const blocks = await Promise.all(
      [0, 1, 2].map(async () => {
        const bytes = new Uint8Array(randomBytes(1000));
        const cid = await cidOf(bytes);
        disk.set(cid.toString(), bytes);
        return cid;
      }),
    );
    const [a, b, c] = blocks as [CID, CID, CID];
    const cache = new BlockCache(store, 2500);
    // A block is kept from its second access on: one read of each caches nothing.
    for (const cid of [a, b, c]) await cache.getBytes(cid);
    expect(cache.stats).toMatchObject({ hits: 0, misses: 3, blocks: 0, bytes: 0 });
    await cache.getBytes(a);
    await cache.getBytes(b);
    await cache.getBytes(a); // hit; b is now the least recently used
    await cache.getBytes(c); // admitted, evicting b
    expect(cache.stats).toMatchObject({ hits: 1, misses: 6, blocks: 2, bytes: 2000 });
    const before = reads;
    await cache.getBytes(a);
    await cache.getBytes(c);
    expect(reads).toBe(before);
    await cache.getBytes(b);
    expect(reads).toBe(before + 1);
    expect(() => new BlockCache(store, -1)).toThrow(RangeError);
  });

  it("keeps a one-pass read of a dataset out of memory, and forgets first accesses long past", async () => {
    const disk = new Map<string, Uint8Array>();
    const store: ExchangeBlockstore = {
      has: async (cid) => disk.has(cid.toString()),
      getBytes: async (cid) => disk.get(cid.toString()) as Uint8Array,
      put: async (cid, bytes) => {
        disk.set(cid.toString(), bytes);
        return cid;
      },
    };
    // A 64 KiB cache remembers the keys of 64 first accesses (its floor).
    const cache = new BlockCache(store, 64 * 1024);
    const cids: CID[] = [];
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(randomBytes(100));
      const cid = await cidOf(bytes);
      await cache.put(cid, bytes);
      cids.push(cid);
    }
    // Written recently, then read: the second access keeps them.
    for (const cid of cids.slice(150)) await cache.getBytes(cid);
    expect(cache.stats).toMatchObject({ blocks: 50, bytes: 5000 });
    // Written long ago (more than 64 first accesses back), then read once: not kept.
    for (const cid of cids.slice(0, 100)) await cache.getBytes(cid);
    expect(cache.stats).toMatchObject({ blocks: 50, bytes: 5000 });
  });
});
