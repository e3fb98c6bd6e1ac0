/**
 * Download by reassembly against a real Cairn node's HTTP API: the node stores an
 * erasure-coded (and client-encrypted) upload; the dApp's downloader reads the manifest and
 * the slots' blocks back over HTTP, survives a dead host through parity, and decrypts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptStream } from "@cairn/node/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig, type RunningNode, startCairnNode } from "../../../node/src/daemon/index.ts";
import { DownloadError, downloadDataset } from "../../src/lib/download.ts";
import { UNIT_PORTS } from "../support/ports.ts";

let node: RunningNode;
let dataDir: string;
/** Nothing listens here: a host that went away. */
const DEAD_HOST = "http://127.0.0.1:9";

/** Random bytes of any length (getRandomValues fills at most 64 KiB at a time). */
function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(out.subarray(i, i + 65_536));
  return out;
}

async function upload(body: Uint8Array, query: string): Promise<{ cid: string }> {
  const token = readFileSync(node.apiTokenPath ?? "", "utf8").trim();
  const response = await fetch(`${node.apiUrl}/api/v1/data?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: body as Uint8Array<ArrayBuffer>,
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { cid: string };
}

async function concat(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "cairn-web-download-"));
  const { config } = loadConfig({
    env: {},
    flags: {
      "data-dir": dataDir,
      "wallet-dev-account": "provider2",
      "chain-rpc-url": inject("rpcUrl"),
      "api-port": String(UNIT_PORTS.nodeApi),
      "p2p-enabled": "false",
    },
  });
  node = await startCairnNode(config);
});

afterAll(async () => {
  await node?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("downloadDataset", () => {
  it("rebuilds a file from k of n slots when a data slot's host is gone", async () => {
    const data = randomBytes(600_000);
    const { cid } = await upload(data, "k=2&m=1");
    const progress: number[] = [];
    const bytes = await downloadDataset({
      cid,
      slotApiUrls: [DEAD_HOST, node.apiUrl, node.apiUrl],
      onProgress: (p) => progress.push(p.slot),
    });
    expect(bytes.length).toBe(data.length);
    expect(Buffer.from(bytes).equals(Buffer.from(data))).toBe(true);
    expect(new Set(progress)).toEqual(new Set([1, 2])); // slot 0 failed; parity slot 2 stood in
  });

  it("decrypts a client-encrypted dataset with the user's key, and asks for the key without it", async () => {
    const data = randomBytes(100_000);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const { cid } = await upload(await concat(encryptStream([data], key)), "k=1&m=1&encrypted=true");
    const plain = await downloadDataset({ cid, slotApiUrls: [node.apiUrl, node.apiUrl], key });
    expect(plain.length).toBe(data.length);
    expect(Buffer.from(plain).equals(Buffer.from(data))).toBe(true);
    await expect(downloadDataset({ cid, slotApiUrls: [node.apiUrl, node.apiUrl] })).rejects.toThrow(
      "this file is encrypted: enter its key",
    );
  });

  it("fails with the count of slots it could get when too many hosts are gone", async () => {
    const { cid } = await upload(new Uint8Array(1000).fill(1), "k=2&m=1");
    const attempt = downloadDataset({ cid, slotApiUrls: [node.apiUrl, DEAD_HOST, DEAD_HOST] });
    await expect(attempt).rejects.toBeInstanceOf(DownloadError);
    await expect(attempt).rejects.toThrow("only 1 of the 2 slots needed could be fetched");
  });
});
