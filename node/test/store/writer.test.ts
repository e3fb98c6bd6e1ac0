/**
 * The concurrent block writer (src/store/blocks/writer.ts) that the upload path stores
 * blocks through: bounded concurrency, and a block counts as stored only once it is
 * durable: its put resolved and `drain()` synced its folder.
 */
import { dirname, join } from "node:path";
import type { CID } from "multiformats/cid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CairnBlockstore,
  createBlockstore,
  createBlockWriter,
  FolderSyncBatch,
  type FsBlockstore,
  type PutOptions,
} from "../../src/store/blocks/index.ts";
import { randomBlock, tempDir } from "./helpers.ts";

/** A store whose puts wait until released, to watch what the writer does meanwhile. */
function heldStore(inner: FsBlockstore) {
  const held: Array<{ cid: CID; release(error?: Error): void }> = [];
  const store = Object.create(inner) as CairnBlockstore;
  const putOptions: PutOptions[] = [];
  store.put = (cid, bytes, options = {}) =>
    new Promise<CID>((resolve, reject) => {
      putOptions.push(options);
      held.push({
        cid,
        release: (error) => {
          if (error) reject(error);
          else inner.put(cid, bytes, options).then(resolve, reject);
        },
      });
    });
  return { store, held, putOptions };
}

describe("createBlockWriter", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let inner: FsBlockstore;

  beforeEach(async () => {
    dir = await tempDir();
    inner = createBlockstore({}, { root: join(dir.path, "blocks") });
    await inner.start();
  });
  afterEach(async () => {
    await inner.stop();
    await dir[Symbol.asyncDispose]();
  });

  it("keeps at most `concurrency` puts in flight and marks blocks stored only once durable", async () => {
    const { store, held, putOptions } = heldStore(inner);
    const writer = createBlockWriter(store, { concurrency: 2 });
    const [first, second, third] = [randomBlock(), randomBlock(), randomBlock()];

    await writer.write(first); // room left: resolves at once
    let thirdAccepted = false;
    const secondWrite = writer.write(second).then(() => {
      thirdAccepted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(held).toHaveLength(2);
    expect(thirdAccepted).toBe(false); // both places taken: the producer waits
    expect(writer.stored.size).toBe(0); // nothing durable yet

    held[0]?.release();
    await secondWrite;
    // Put and readable, but its folder is not synced yet: not durable, so not stored.
    expect(await inner.getBytes(first.cid)).toEqual(first.bytes);
    expect(writer.stored.size).toBe(0);

    const thirdWrite = writer.write(third); // two in flight again: waits for a place
    expect(held).toHaveLength(3);
    for (const put of held.slice(1)) put.release();
    await thirdWrite;
    // Every put left its folder's fsync to one batch, which drain() commits.
    const batch = putOptions[0]?.folderSyncs;
    expect(batch).toBeDefined();
    for (const options of putOptions) expect(options.folderSyncs).toBe(batch);
    await writer.drain();
    expect(batch?.size).toBe(0);
    const blocks = [first, second, third];
    expect([...writer.stored].sort()).toEqual(blocks.map((b) => b.cid.toString()).sort());
    for (const { cid, bytes } of blocks) expect(await inner.getBytes(cid)).toEqual(bytes);
  });

  it("throws a failed put from the next write or from drain, and never marks it stored", async () => {
    const { store, held } = heldStore(inner);
    const writer = createBlockWriter(store, { concurrency: 4 });
    const [good, bad, later] = [randomBlock(), randomBlock(), randomBlock()];
    await writer.write(good);
    await writer.write(bad);
    held[0]?.release();
    held[1]?.release(new Error("disk full"));
    await writer.settle();
    await expect(writer.write(later)).rejects.toThrow("disk full");
    await expect(writer.drain()).rejects.toThrow("disk full");
    // The batch failed, so nothing in it is acknowledged as durable, not even `good`.
    expect(writer.stored.size).toBe(0);
  });

  it("leaves each put's folder fsync to the batch, once per folder", async () => {
    const batch = new FolderSyncBatch();
    const blocks = Array.from({ length: 8 }, () => randomBlock());
    for (const { cid, bytes } of blocks) await inner.put(cid, bytes, { folderSyncs: batch });
    const folders = new Set(blocks.map(({ cid }) => dirname(inner.pathOf(cid))));
    expect(batch.size).toBe(folders.size);
    for (const { cid, bytes } of blocks) expect(await inner.getBytes(cid)).toEqual(bytes);
    // Again, already present: the folder is still owed a sync before this put is acknowledged.
    const again = new FolderSyncBatch();
    await inner.put(blocks[0]?.cid as CID, blocks[0]?.bytes as Uint8Array, { folderSyncs: again });
    expect(again.size).toBe(1);
    await batch.commit();
    expect(batch.size).toBe(0);
  });

  it("keeps a folder whose sync failed pending, so a retried commit covers it", async () => {
    const batch = new FolderSyncBatch();
    batch.add(join(dir.path, "no-such-folder"));
    await expect(batch.commit()).rejects.toThrow(/ENOENT/);
    expect(batch.size).toBe(1);
  });

  it("refuses a concurrency that is not a positive integer", () => {
    expect(() => createBlockWriter(inner, { concurrency: 0 })).toThrow(RangeError);
  });
});
