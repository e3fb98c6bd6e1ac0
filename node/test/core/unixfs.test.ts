import { unixfs } from "@helia/unixfs";
import { createHeliaLight } from "helia";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import type { CID } from "multiformats/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Block, exportFile, importFile, rawBlockCid } from "../../src/core/unixfs.ts";
import { collect, pieces, pseudoRandom } from "./helpers.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Helia in-process with no network at all: no libp2p, no routers, no block brokers. */
let helia: Awaited<ReturnType<typeof createHeliaLight>>;
beforeAll(async () => {
  helia = createHeliaLight({ blockBrokers: [], routers: [] });
  await helia.start();
});
afterAll(async () => {
  await helia?.stop();
});

/** Imports into a Map, as a memory block store would. */
async function importToMap(data: Uint8Array) {
  const blocks = new Map<string, Block>();
  const file = await importFile(pieces(data), (block) => {
    blocks.set(block.cid.toString(), block);
  });
  return { ...file, blocks };
}

const read = (blocks: Map<string, Block>) => (cid: CID) => {
  const block = blocks.get(cid.toString());
  if (!block) throw new Error(`missing ${cid}`);
  return block.bytes;
};

describe("UnixFS import", () => {
  // kubo's `ipfs add --cid-version 1 --raw-leaves --chunker size-262144` (balanced, 174
  // links). Helia 7's own default is now 1 MiB chunks and 1024 links (IPIP-499), so it
  // gets the kubo flags spelled out.
  const kuboFlags = {
    cidVersion: 1 as const,
    rawLeaves: true,
    chunker: fixedSize({ chunkSize: 256 * KiB }),
    layout: balanced({ maxChildrenPerNode: 174 }),
  };

  for (const [name, size] of [
    ["0 B", 0],
    ["1 B", 1],
    ["exactly 256 KiB", 256 * KiB],
    ["256 KiB + 1", 256 * KiB + 1],
    ["10 MiB", 10 * MiB],
  ] as const) {
    it(`gives Helia's root CID for ${name}`, async () => {
      const data = pseudoRandom(`file-${size}`, size);
      const ours = await importToMap(data);
      const theirs = await unixfs(helia).addByteStream(pieces(data), kuboFlags);
      expect(ours.cid.toString()).toBe(theirs.toString());
      expect(ours.size).toBe(size);
      // And our exporter reads the file back from the blocks Helia stored.
      const fromHelia = (cid: CID) => collect(helia.blockstore.get(cid) as AsyncIterable<Uint8Array>);
      expect(Buffer.from(await collect(exportFile(ours.cid, fromHelia))).equals(Buffer.from(data))).toBe(
        true,
      );
    });
  }

  it("gives the well-known CID of the empty file", async () => {
    const { cid } = await importToMap(new Uint8Array(0));
    expect(cid.toString()).toBe("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  });

  it("makes raw 256 KiB leaves whose CIDs are rawBlockCid of their bytes", async () => {
    const data = pseudoRandom("leaves", 3 * 256 * KiB);
    const { blocks } = await importToMap(data);
    const leaf = data.subarray(256 * KiB, 512 * KiB);
    expect(blocks.has((await rawBlockCid(leaf)).toString())).toBe(true);
  });
});

describe("UnixFS export", () => {
  it("streams a file back, whole or by range", async () => {
    const data = pseudoRandom("export", 3 * MiB + 5);
    const { cid, blocks } = await importToMap(data);
    expect(Buffer.from(await collect(exportFile(cid, read(blocks)))).equals(Buffer.from(data))).toBe(true);
    const range = await collect(exportFile(cid, read(blocks), { offset: 300_000, length: 1_000_000 }));
    expect(Buffer.from(range).equals(Buffer.from(data.subarray(300_000, 1_300_000)))).toBe(true);
  });

  it("refuses a block whose bytes do not match its CID", async () => {
    const data = pseudoRandom("tamper", 600 * KiB);
    const { cid, blocks } = await importToMap(data);
    const tampered = new Map(
      [...blocks].map(([key, block]) => [
        key,
        block.bytes.length === 256 * KiB ? { ...block, bytes: block.bytes.map((b) => b ^ 1) } : block,
      ]),
    );
    await expect(collect(exportFile(cid, read(tampered)))).rejects.toMatchObject({ name: "BlockError" });
  });
});
