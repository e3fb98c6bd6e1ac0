import { spawnSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Blockstore } from "interface-blockstore";
import { CID } from "multiformats/cid";
import { identity } from "multiformats/hashes/identity";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMetricsRegistry } from "../../src/metrics/index.ts";
import { createBlockstore, type FsBlockstore, LOCK_FILE, TEMP_DIR } from "../../src/store/blocks/index.ts";
import { randomBlock, rawCid, tempDir } from "./helpers.ts";

const DAG_PB = 0x70;

async function collect<T>(source: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function concat(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(Buffer.concat(await collect(source)));
}

describe("FsBlockstore", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: FsBlockstore;

  beforeEach(async () => {
    dir = await tempDir();
    store = createBlockstore({}, { root: join(dir.path, "blocks") });
    await store.start();
  });
  afterEach(async () => {
    await store.stop();
    await dir[Symbol.asyncDispose]();
  });

  it("puts, gets, checks and deletes a block in a sharded file", async () => {
    const { cid, bytes } = randomBlock(256 * 1024);
    expect(await store.has(cid)).toBe(false);
    expect(await store.put(cid, bytes)).toBe(cid);
    expect(await store.has(cid)).toBe(true);
    expect(await store.getBytes(cid)).toEqual(bytes);
    expect(await concat(store.get(cid))).toEqual(bytes);
    expect(relative(join(dir.path, "blocks"), store.pathOf(cid))).toMatch(/^[a-z2-7]{2}\/[a-z2-7]+\.data$/);
    expect(await readdir(join(dir.path, "blocks", TEMP_DIR))).toEqual([]);
    await store.delete(cid);
    expect(await store.has(cid)).toBe(false);
    await store.delete(cid); // deleting a missing block is fine
  });

  it("throws NotFoundError for a missing block", async () => {
    const { cid } = randomBlock();
    await expect(store.getBytes(cid)).rejects.toMatchObject({ name: "NotFoundError" });
    await expect(collect(store.get(cid))).rejects.toMatchObject({ name: "NotFoundError" });
  });

  it("stops a read when its signal aborts, and serves the block to the next one", async () => {
    const { cid, bytes } = randomBlock(256 * 1024);
    await store.put(cid, bytes);
    const controller = new AbortController();
    const read = store.getBytes(cid, { signal: controller.signal });
    controller.abort(); // after the read has started, before its file is open
    await expect(read).rejects.toMatchObject({ name: "AbortError" });
    await expect(store.getBytes(cid, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(await store.getBytes(cid)).toEqual(bytes);
  });

  it("accepts a block as a stream of chunks and is idempotent", async () => {
    const { cid, bytes } = randomBlock(10_000);
    async function* chunks() {
      yield bytes.subarray(0, 3000);
      yield bytes.subarray(3000);
    }
    await store.put(cid, chunks(), { verify: true });
    await store.put(cid, bytes);
    expect(await store.getBytes(cid, { verify: true })).toEqual(bytes);
  });

  it("detects corruption on read only when asked to verify", async () => {
    const { cid, bytes } = randomBlock();
    await store.put(cid, bytes);
    const bad = Uint8Array.from(bytes);
    bad[0] = (bad[0] ?? 0) ^ 0xff;
    await writeFile(store.pathOf(cid), bad);
    expect(await store.getBytes(cid)).toEqual(bad);
    await expect(store.getBytes(cid, { verify: true })).rejects.toMatchObject({ name: "BlockCorruptError" });

    const verifying = createBlockstore({}, { root: join(dir.path, "blocks"), verifyOnRead: true });
    await verifying.start();
    await expect(verifying.getBytes(cid)).rejects.toMatchObject({ name: "BlockCorruptError" });
  });

  it("refuses bytes that don't hash to the CID when verifying puts, leaving nothing behind", async () => {
    const { cid } = randomBlock();
    await expect(store.put(cid, new Uint8Array([1, 2, 3]), { verify: true })).rejects.toMatchObject({
      name: "BlockCorruptError",
    });
    expect(await store.has(cid)).toBe(false);
    expect(await readdir(join(dir.path, "blocks", TEMP_DIR))).toEqual([]);
  });

  it("refuses blocks over the size limit", async () => {
    const small = createBlockstore({}, { root: join(dir.path, "small"), maxBlockSize: 100 });
    await small.start();
    const { cid, bytes } = randomBlock(101);
    await expect(small.put(cid, bytes)).rejects.toMatchObject({ name: "BlockTooLargeError" });
    expect(await small.has(cid)).toBe(false);
  });

  it("removes temp files left by a crash on start", async () => {
    const { cid, bytes } = randomBlock();
    await store.put(cid, bytes);
    await writeFile(join(dir.path, "blocks", TEMP_DIR, "half-written.123.0"), new Uint8Array(10));
    const restarted = createBlockstore({}, { root: join(dir.path, "blocks") });
    await restarted.start();
    expect(restarted.sweptTempFiles).toBe(1);
    expect(await readdir(join(dir.path, "blocks", TEMP_DIR))).toEqual([]);
    expect(await restarted.getBytes(cid)).toEqual(bytes);
  });

  it("supports the batch methods of interface-blockstore", async () => {
    const blocks = Array.from({ length: 20 }, () => randomBlock(500));
    const bs: Blockstore = store;
    const put = await collect(bs.putMany(blocks));
    expect(put.map(String)).toEqual(blocks.map((b) => String(b.cid)));

    const got = await collect(bs.getMany(blocks.map((b) => b.cid)));
    for (const [i, pair] of got.entries()) expect(await concat(pair.bytes)).toEqual(blocks[i]?.bytes);

    const all = await collect(bs.getAll());
    expect(all.map((p) => String(p.cid)).sort()).toEqual(blocks.map((b) => String(b.cid)).sort());

    await collect(bs.deleteMany(blocks.slice(0, 10).map((b) => b.cid)));
    expect(await collect(store.listCids())).toHaveLength(10);
  });

  it("keys by multihash, so the same bytes under another codec are the same block", async () => {
    const { cid, bytes } = randomBlock();
    await store.put(cid, bytes);
    const asDagPb = CID.createV1(DAG_PB, cid.multihash);
    expect(await store.has(asDagPb)).toBe(true);
    expect(store.pathOf(asDagPb)).toBe(store.pathOf(cid));
  });

  it("serves identity CIDs from the CID itself", async () => {
    const cid = CID.createV1(0x55, identity.digest(new Uint8Array([7, 8, 9])));
    expect(await store.has(cid)).toBe(true);
    await store.put(cid, new Uint8Array([7, 8, 9]));
    expect(await store.getBytes(cid)).toEqual(new Uint8Array([7, 8, 9]));
    expect(await collect(store.listCids())).toEqual([]);
  });

  it("refuses use before start", async () => {
    const cold = createBlockstore({}, { root: join(dir.path, "cold") });
    await expect(cold.has(rawCid(new Uint8Array(1)))).rejects.toMatchObject({
      name: "BlockstoreNotStartedError",
    });
  });

  it("reports metrics when given a registry", async () => {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const measured = createBlockstore({ metrics }, { root: join(dir.path, "measured") });
    await measured.start();
    const { cid, bytes } = randomBlock(1000);
    await measured.put(cid, bytes);
    await measured.getBytes(cid);
    const text = await metrics.metrics();
    expect(text).toContain("cairn_blocks_written_total 1");
    expect(text).toContain("cairn_block_bytes_written_total 1000");
    expect(text).toContain("cairn_blocks_read_total 1");
    expect(text).toContain("cairn_block_put_seconds_count 1");
  });

  describe("lock", () => {
    it("refuses a store held by another live process", async () => {
      const root = join(dir.path, "locked");
      const other = createBlockstore({}, { root });
      await other.start();
      await other.stop();
      // The parent process (vitest's) is alive and is not us.
      await writeFile(join(root, LOCK_FILE), `${process.ppid}\n`);
      await expect(createBlockstore({}, { root }).start()).rejects.toMatchObject({
        name: "BlockstoreLockedError",
        message: expect.stringContaining(String(process.ppid)),
      });
    });

    it("takes over a lock left by a dead process and releases it on stop", async () => {
      const root = join(dir.path, "stale");
      await createBlockstore({}, { root, lock: false }).start();
      const dead = spawnSync(process.execPath, ["-e", ""]).pid;
      await writeFile(join(root, LOCK_FILE), `${dead}\n`);
      const taker = createBlockstore({}, { root });
      await taker.start();
      expect((await readFile(join(root, LOCK_FILE), "utf8")).trim()).toBe(String(process.pid));
      await taker.stop();
      await expect(readFile(join(root, LOCK_FILE))).rejects.toMatchObject({ code: "ENOENT" });
    });
  });
});
