/**
 * The concurrent block writer (src/store/blocks/writer.ts) that the upload path stores
 * blocks through: bounded concurrency, and a block counts as stored only once its own
 * durable put has resolved.
 */
import { join } from "node:path";
import type { CID } from "multiformats/cid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CairnBlockstore,
  createBlockstore,
  createBlockWriter,
  type FsBlockstore,
} from "../../src/store/blocks/index.ts";
import { randomBlock, tempDir } from "./helpers.ts";

/** A store whose puts wait until released, to watch what the writer does meanwhile. */
function heldStore(inner: FsBlockstore) {
  const held: Array<{ cid: CID; release(error?: Error): void }> = [];
  const store = Object.create(inner) as CairnBlockstore;
  store.put = (cid, bytes) =>
    new Promise<CID>((resolve, reject) => {
      held.push({
        cid,
        release: (error) => {
          if (error) reject(error);
          else inner.put(cid, bytes).then(resolve, reject);
        },
      });
    });
  return { store, held };
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
    const { store, held } = heldStore(inner);
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
    expect(writer.stored.has(first.cid.toString())).toBe(true);
    expect(writer.stored.has(second.cid.toString())).toBe(false);

    const thirdWrite = writer.write(third); // two in flight again: waits for a place
    expect(held).toHaveLength(3);
    for (const put of held.slice(1)) put.release();
    await thirdWrite;
    await writer.drain();
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
    expect([...writer.stored]).toEqual([good.cid.toString()]);
  });

  it("refuses a concurrency that is not a positive integer", () => {
    expect(() => createBlockWriter(inner, { concurrency: 0 })).toThrow(RangeError);
  });
});
