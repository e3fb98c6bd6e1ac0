import { CarReader } from "@ipld/car";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptStream, generateEncryptionKey, decryptStream } from "../../src/core/index.ts";
import { bytesOf, errorOf, startTestNode, type TestNode, upload } from "./helpers.ts";

describe("HEAD on downloads", () => {
  it("gives the size without the body", async () => {
    const node = await startTestNode();
    try {
      const { cid } = (await (await upload(node, bytesOf(5000))).json()) as { cid: string };
      const res = await fetch(`${node.apiUrl}/api/v1/data/${cid}`, { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("5000");
      expect((await res.arrayBuffer()).byteLength).toBe(0);
      // Whatever the Content-Type, the body is the file, stored as sent.
      const json = await upload(node, new TextEncoder().encode('{"a":1}'), "", {
        "content-type": "application/json",
      });
      expect(json.status).toBe(201);
      const { cid: jsonCid } = (await json.json()) as { cid: string };
      expect(await (await fetch(`${node.apiUrl}/api/v1/data/${jsonCid}`)).text()).toBe('{"a":1}');
    } finally {
      await node.cleanup();
    }
  });
});

const KiB = 1024;
const MiB = 1024 * KiB;

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

describe("data endpoints", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => node?.cleanup());

  for (const size of [0, 1, 256 * KiB, 256 * KiB + 1, 3 * MiB + 17]) {
    it(`round-trips ${size} bytes byte for byte`, async () => {
      const data = bytesOf(size, size + 1);
      const res = await upload(node, data);
      expect(res.status).toBe(201);
      const body = (await res.json()) as { cid: string; rootCid: string; size: number; encrypted: boolean };
      expect(body.size).toBe(size);
      expect(body.cid).toBe(body.rootCid);
      expect(CID.parse(body.cid).version).toBe(1);
      const down = await fetch(`${node.apiUrl}/api/v1/data/${body.cid}`);
      expect(down.status).toBe(200);
      expect(down.headers.get("content-length")).toBe(String(size));
      expect(down.headers.get("accept-ranges")).toBe("bytes");
      expect(Buffer.from(await down.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    });
  }

  it("serves ranges with 206 and Content-Range", async () => {
    const data = bytesOf(600 * KiB, 7);
    const { cid } = (await (await upload(node, data)).json()) as { cid: string };
    const cases: Array<[string, number, number]> = [
      ["bytes=0-0", 0, 0],
      ["bytes=100-299999", 100, 299_999],
      [`bytes=${256 * KiB - 5}-${256 * KiB + 5}`, 256 * KiB - 5, 256 * KiB + 5],
      ["bytes=600000-", 600_000, data.length - 1],
      ["bytes=-10", data.length - 10, data.length - 1],
      [`bytes=10-${data.length + 1000}`, 10, data.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await fetch(`${node.apiUrl}/api/v1/data/${cid}`, { headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${data.length}`);
      const got = Buffer.from(await res.arrayBuffer());
      expect(got.equals(Buffer.from(data.subarray(start, end + 1))), range).toBe(true);
    }
  });

  it("answers unsatisfiable ranges with 416", async () => {
    const data = bytesOf(1000, 3);
    const { cid } = (await (await upload(node, data)).json()) as { cid: string };
    for (const range of ["bytes=1000-", "bytes=5-2", "bytes=-0", "items=0-1", "bytes=0-1,5-6", "bytes=abc"]) {
      const res = await fetch(`${node.apiUrl}/api/v1/data/${cid}`, { headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get("content-range")).toBe("bytes */1000");
      expect(await errorOf(res)).toMatchObject({ code: "RANGE_NOT_SATISFIABLE", field: "Range" });
    }
  });

  it("erasure-codes with k and m and serves the manifest", async () => {
    const data = bytesOf(1 * MiB + 5, 11);
    const res = await upload(node, data, "?k=2&m=1");
    expect(res.status).toBe(201);
    const body = (await res.json()) as { cid: string; rootCid: string; manifestCid: string };
    expect(body.cid).toBe(body.manifestCid);
    expect(CID.parse(body.cid).code).toBe(0x71);

    const manifest = (await (await fetch(`${node.apiUrl}/api/v1/data/${body.cid}/manifest`)).json()) as {
      root: string;
      k: number;
      m: number;
      stripes: number;
      size: number;
      slots: Array<{ root: string; blocks: string[] }>;
    };
    expect(manifest).toMatchObject({ root: body.rootCid, k: 2, m: 1, size: data.length, stripes: 3 });
    expect(manifest.slots).toHaveLength(3);
    expect(manifest.slots[0]?.root).toMatch(/^0x[0-9a-f]{64}$/);
    expect(manifest.slots[2]?.blocks).toHaveLength(3);

    // Downloading by the manifest CID serves the file.
    const down = await fetch(`${node.apiUrl}/api/v1/data/${body.cid}`);
    expect(Buffer.from(await down.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    // Parity blocks are in the store.
    const parity = manifest.slots[2]?.blocks[0] as string;
    const raw = await fetch(`${node.apiUrl}/ipfs/${parity}?format=raw`);
    expect(raw.status).toBe(200);
    expect((await raw.arrayBuffer()).byteLength).toBe(256 * KiB);
  });

  it("404s the manifest of data stored without erasure coding", async () => {
    const { cid } = (await (await upload(node, bytesOf(10))).json()) as { cid: string };
    const res = await fetch(`${node.apiUrl}/api/v1/data/${cid}/manifest`);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: "NOT_FOUND", field: "cid" });
  });

  it("stores client-encrypted bodies and refuses plaintext claimed as encrypted", async () => {
    const key = generateEncryptionKey();
    const plain = bytesOf(300 * KiB, 5);
    const cipher = await collect(encryptStream([plain], key));
    const res = await upload(node, cipher, "?encrypted=true&k=2&m=1");
    expect(res.status).toBe(201);
    const body = (await res.json()) as { cid: string; encrypted: boolean };
    expect(body.encrypted).toBe(true);
    const down = await fetch(`${node.apiUrl}/api/v1/data/${body.cid}`);
    expect(down.headers.get("x-cairn-encrypted")).toBe("true");
    const back = await collect(decryptStream([new Uint8Array(await down.arrayBuffer())], key));
    expect(Buffer.from(back).equals(Buffer.from(plain))).toBe(true);

    const bad = await upload(node, plain, "?encrypted=true");
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ field: "encrypted" });
  });

  it("encrypts with a key the client sends, and never without one", async () => {
    const key = generateEncryptionKey();
    const plain = bytesOf(1000, 9);
    const res = await upload(node, plain, "", { "x-cairn-encryption-key": Buffer.from(key).toString("hex") });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { cid: string; encrypted: boolean; size: number };
    expect(body.encrypted).toBe(true);
    const stored = new Uint8Array(
      await (await fetch(`${node.apiUrl}/api/v1/data/${body.cid}`)).arrayBuffer(),
    );
    expect(Buffer.from(await collect(decryptStream([stored], key))).equals(Buffer.from(plain))).toBe(true);

    const bad = await upload(node, plain, "", { "x-cairn-encryption-key": "00ff" });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ field: "X-Cairn-Encryption-Key" });
  });

  it("lists datasets and deletes them, refusing one held for a deal", async () => {
    const { cid } = (await (await upload(node, bytesOf(2000, 42))).json()) as { cid: string };
    const list = (await (await fetch(`${node.apiUrl}/api/v1/data?limit=1000`)).json()) as {
      datasets: Array<{ cid: string; size: number; createdAt: string }>;
      total: number;
    };
    expect(list.total).toBe(list.datasets.length);
    expect(list.datasets.find((d) => d.cid === cid)).toMatchObject({ size: 2000 });
    const page = (await (await fetch(`${node.apiUrl}/api/v1/data?limit=1&offset=1`)).json()) as {
      datasets: unknown[];
    };
    expect(page.datasets).toHaveLength(1);

    node.node.metadata.datasets.setHeldForDeal(cid, true);
    const refused = await fetch(`${node.apiUrl}/api/v1/data/${cid}`, {
      method: "DELETE",
      headers: node.auth,
    });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toMatchObject({ code: "HELD_FOR_DEAL", field: "cid" });

    node.node.metadata.datasets.setHeldForDeal(cid, false);
    const deleted = await fetch(`${node.apiUrl}/api/v1/data/${cid}`, {
      method: "DELETE",
      headers: node.auth,
    });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ cid, removedBlocks: 1 });
    expect((await fetch(`${node.apiUrl}/api/v1/data/${cid}`)).status).toBe(404);
    const again = await fetch(`${node.apiUrl}/api/v1/data/${cid}`, { method: "DELETE", headers: node.auth });
    expect(again.status).toBe(404);
  });
});

describe("IPFS trustless gateway", () => {
  let node: TestNode;
  let root: string;
  const data = bytesOf(2 * MiB + 3, 99);
  beforeAll(async () => {
    node = await startTestNode();
    root = ((await (await upload(node, data)).json()) as { cid: string }).cid;
  });
  afterAll(async () => node?.cleanup());

  it("serves a CAR of the whole DAG that parses back with @ipld/car", async () => {
    const res = await fetch(`${node.apiUrl}/ipfs/${root}?format=car`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.ipld.car; version=1; order=dfs; dups=n");
    const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
    expect((await reader.getRoots()).map(String)).toEqual([root]);
    const blocks = [];
    for await (const block of reader.blocks()) blocks.push(block);
    expect(String(blocks[0]?.cid)).toBe(root);
    expect(blocks).toHaveLength(1 + 9); // the dag-pb root and nine 256 KiB leaves
    const leaves = blocks.slice(1).map((b) => b.bytes);
    expect(Buffer.concat(leaves).equals(Buffer.from(data))).toBe(true);
  });

  it("chooses the format from Accept", async () => {
    const car = await fetch(`${node.apiUrl}/ipfs/${root}`, {
      headers: { accept: "application/vnd.ipld.car" },
    });
    expect(car.headers.get("content-type")).toMatch(/^application\/vnd\.ipld\.car/);
    const raw = await fetch(`${node.apiUrl}/ipfs/${root}`, {
      headers: { accept: "application/vnd.ipld.raw" },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe("application/vnd.ipld.raw");
    expect(raw.headers.get("x-content-type-options")).toBe("nosniff");
    const bytes = new Uint8Array(await raw.arrayBuffer());
    const { sha256 } = await import("multiformats/hashes/sha2");
    expect(
      Buffer.from((await sha256.digest(bytes)).digest).equals(Buffer.from(CID.parse(root).multihash.digest)),
    ).toBe(true);
  });

  it("serves only the root block with dag-scope=block", async () => {
    const res = await fetch(`${node.apiUrl}/ipfs/${root}?format=car&dag-scope=block`);
    const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
    const blocks = [];
    for await (const block of reader.blocks()) blocks.push(block);
    expect(blocks).toHaveLength(1);
  });

  it("answers 400 without a format, 406 for unservable types, 400 for an unknown format", async () => {
    const none = await fetch(`${node.apiUrl}/ipfs/${root}`);
    expect(none.status).toBe(400);
    expect(await errorOf(none)).toMatchObject({ field: "format" });
    const html = await fetch(`${node.apiUrl}/ipfs/${root}`, { headers: { accept: "text/html" } });
    expect(html.status).toBe(406);
    expect(await errorOf(html)).toMatchObject({ code: "NOT_ACCEPTABLE", field: "Accept" });
    const bad = await fetch(`${node.apiUrl}/ipfs/${root}?format=tar`);
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ field: "format" });
    const v2 = await fetch(`${node.apiUrl}/ipfs/${root}`, {
      headers: { accept: "application/vnd.ipld.car; version=2" },
    });
    expect(v2.status).toBe(406);
    const ranged = await fetch(`${node.apiUrl}/ipfs/${root}?format=car&entity-bytes=0:10`);
    expect(ranged.status).toBe(400);
    expect(await errorOf(ranged)).toMatchObject({ field: "entity-bytes" });
  });

  it("lets format win over Accept and says where a negotiated response lives", async () => {
    const res = await fetch(`${node.apiUrl}/ipfs/${root}?format=raw`, {
      headers: { accept: "application/vnd.ipld.car" },
    });
    expect(res.headers.get("content-type")).toBe("application/vnd.ipld.raw");
    expect(res.headers.get("content-location")).toBeNull();
    const negotiated = await fetch(`${node.apiUrl}/ipfs/${root}`, {
      headers: { accept: "application/vnd.ipld.raw" },
    });
    expect(negotiated.headers.get("content-location")).toBe(`/ipfs/${root}?format=raw`);
    expect(negotiated.headers.get("content-disposition")).toBe(`attachment; filename="${root}.bin"`);
    expect(negotiated.headers.get("etag")).toBe(`"${root}.raw"`);
  });

  it("sends duplicate blocks when asked for dups=y", async () => {
    // A file of one repeated 256 KiB block: its root links to the same leaf four times.
    const same = new Uint8Array(1024 * 1024).fill(7);
    const cid = ((await (await upload(node, same)).json()) as { cid: string }).cid;
    const count = async (init: RequestInit, query = "") => {
      const res = await fetch(`${node.apiUrl}/ipfs/${cid}?format=car${query}`, init);
      const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
      let n = 0;
      for await (const _ of reader.blocks()) n++;
      return { n, type: res.headers.get("content-type") };
    };
    expect(await count({})).toEqual({ n: 2, type: "application/vnd.ipld.car; version=1; order=dfs; dups=n" });
    expect(await count({ headers: { accept: "application/vnd.ipld.car; order=dfs; dups=y" } })).toEqual({
      n: 5,
      type: "application/vnd.ipld.car; version=1; order=dfs; dups=y",
    });
    expect((await count({}, "&car-dups=y")).n).toBe(5);
  });

  it("answers the bafkqaaa probe", async () => {
    const raw = await fetch(`${node.apiUrl}/ipfs/bafkqaaa?format=raw`);
    expect(raw.status).toBe(200);
    expect((await raw.arrayBuffer()).byteLength).toBe(0);
    const car = await fetch(`${node.apiUrl}/ipfs/bafkqaaa?format=car`);
    expect(car.status).toBe(200);
    const reader = await CarReader.fromBytes(new Uint8Array(await car.arrayBuffer()));
    expect((await reader.getRoots()).map(String)).toEqual(["bafkqaaa"]);
    const head = await fetch(`${node.apiUrl}/ipfs/bafkqaaa?format=raw`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("answers 412 for a missing CID with only-if-cached", async () => {
    const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    const res = await fetch(`${node.apiUrl}/ipfs/${missing}?format=raw`, {
      headers: { "cache-control": "only-if-cached" },
    });
    expect(res.status).toBe(412);
    const held = await fetch(`${node.apiUrl}/ipfs/${root}?format=raw`, {
      headers: { "cache-control": "only-if-cached" },
    });
    expect(held.status).toBe(200);
  });

  it("404s CIDs it does not hold", async () => {
    const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    const res = await fetch(`${node.apiUrl}/ipfs/${missing}?format=raw`);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: "NOT_FOUND", field: "cid" });
  });
});
