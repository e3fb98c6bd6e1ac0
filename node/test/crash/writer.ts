/**
 * The child process of crash.test.ts. It writes datasets into a data folder forever and
 * prints an acknowledgement line for each block and each dataset only after it is
 * durable, the way the REST API answers only after the store resolves:
 *
 *   ready
 *   block <cid>
 *   dataset <cid> <block count>
 *
 * Each dataset is a few random blocks (1 B to 256 KiB, written several at a time through
 * putMany or, as the upload path does, through the concurrent block writer) plus a JSON
 * manifest block listing them; the manifest's CID names the dataset, whose row is
 * committed to SQLite after all its blocks. The parent SIGKILLs this process
 * at random moments.
 *
 * With a second argument `naive`, blocks are instead written straight to their final
 * path in small pieces, with no temp file or fsync: the negative control that shows the
 * parent's checks do catch torn blocks. It prints `mid-block <cid>` with the first piece
 * of a block on disk, for the parent to kill it then.
 */
import { createHash, randomBytes, randomInt } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";
import { configureLogging } from "../../src/logging/index.ts";
import { dataDirLayout } from "../../src/store/index.ts";
import { createBlockstore, createBlockWriter } from "../../src/store/blocks/index.ts";
import { createMetadataStore } from "../../src/store/metadata/index.ts";

const SIZES = [1, 100, 4096, 65_536, 200_000, 262_144];

function block(bytes: Uint8Array): { cid: CID; bytes: Uint8Array } {
  return {
    cid: CID.createV1(raw.code, createDigest(0x12, createHash("sha256").update(bytes).digest())),
    bytes,
  };
}

function ack(line: string): void {
  // stdout is a pipe, and pipe writes are synchronous on Linux: once this returns, the
  // line is in the kernel's pipe buffer and survives our SIGKILL.
  process.stdout.write(`${line}\n`);
}

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error("usage: writer.ts <dataDir> [naive]");
const naive = process.argv[3] === "naive";
configureLogging({ level: "error" });

const blocks = createBlockstore({}, { root: dataDirLayout(dataDir).blocks, putConcurrency: 4 });
await blocks.start();
const metadata = createMetadataStore({}, { path: dataDirLayout(dataDir).metadata });
metadata.start();
ack("ready");

for (;;) {
  const members = Array.from({ length: randomInt(3, 12) }, () => {
    const size = SIZES[randomInt(SIZES.length)] ?? 1;
    return block(new Uint8Array(randomBytes(randomInt(1, size + 1))));
  });
  if (naive) {
    for (const { cid, bytes } of members) {
      const path = blocks.pathOf(cid);
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(path, "w");
      for (let offset = 0; offset < bytes.byteLength; offset += 16_384) {
        await handle.write(bytes.subarray(offset, offset + 16_384));
        // Half a block on disk: the parent kills on this line, so the control always
        // leaves a torn block (a random kill on a loaded machine could miss every file).
        if (offset === 0 && bytes.byteLength > 16_384) {
          ack(`mid-block ${cid}`);
          await sleep(200);
        }
        await sleep(1); // a slow disk
      }
      await handle.close();
      ack(`block ${cid}`);
    }
  } else if (randomInt(2) === 0) {
    for await (const cid of blocks.putMany(members)) ack(`block ${cid}`);
  } else {
    // The upload path's way (src/api/upload.ts): several puts in flight, their folder
    // fsyncs left to drain(), and a block counted as stored only after that.
    const writer = createBlockWriter(blocks, { concurrency: 4 });
    const acked = new Set<string>();
    const ackStored = () => {
      for (const cid of writer.stored) {
        if (!acked.has(cid)) ack(`block ${cid}`);
        acked.add(cid);
      }
    };
    for (const member of members) {
      await writer.write(member);
      ackStored();
    }
    await writer.drain();
    ackStored();
  }

  const manifest = block(
    new TextEncoder().encode(JSON.stringify({ blocks: members.map((m) => String(m.cid)) })),
  );
  await blocks.put(manifest.cid, manifest.bytes);
  ack(`block ${manifest.cid}`);

  const size = members.reduce((n, m) => n + m.bytes.byteLength, 0);
  const cids = [...members.map((m) => m.cid), manifest.cid];
  metadata.datasets.put({ cid: manifest.cid, rootCid: manifest.cid, size }, cids);
  ack(`dataset ${manifest.cid} ${new Set(cids.map(String)).size}`);
}
