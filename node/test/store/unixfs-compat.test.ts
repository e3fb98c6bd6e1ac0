import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { exporter } from "ipfs-unixfs-exporter";
import { importer } from "ipfs-unixfs-importer";
import { describe, expect, it } from "vitest";
import { createBlockstore } from "../../src/store/blocks/index.ts";
import { tempDir } from "./helpers.ts";

describe("FsBlockstore with the Helia/UnixFS stack", () => {
  it("stores what ipfs-unixfs-importer writes and serves it back to ipfs-unixfs-exporter", async () => {
    await using dir = await tempDir();
    const store = createBlockstore({}, { root: join(dir.path, "blocks"), verifyOnRead: true });
    await store.start();
    const content = new Uint8Array(randomBytes(3 * 256 * 1024 + 17));
    let root: Awaited<ReturnType<typeof store.put>> | undefined;
    for await (const entry of importer([{ content }], store, {
      cidVersion: 1,
      rawLeaves: true,
    })) {
      root = entry.cid;
    }
    expect(root).toBeDefined();
    if (root === undefined) return;
    expect(await store.has(root)).toBe(true);

    // By string: the importer and exporter each bundle their own copy of multiformats, and
    // the exporter only accepts CID objects from its own copy.
    const entry = await exporter(root.toString(), store);
    expect(entry.type).toBe("file");
    if (entry.type !== "file") return;
    const chunks: Uint8Array[] = [];
    for await (const chunk of entry.content()) chunks.push(chunk);
    // Buffer.equals, not toEqual: a deep compare of 768 KiB element by element takes seconds.
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    await store.stop();
  });
});
