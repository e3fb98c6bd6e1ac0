/**
 * Crash safety of the durable store: a child process writes blocks and datasets and
 * acknowledges each once durable (writer.ts); we SIGKILL it at random moments, restart
 * the stores on the same folder, and check that
 *   - every acknowledged block is present and hashes to its CID,
 *   - every acknowledged dataset is recorded with all of its blocks, and its manifest
 *     block lists exactly those blocks,
 *   - nothing half-written is visible: every block file in the store hashes to its CID,
 *     and every dataset row (acknowledged or not) has all of its blocks,
 *   - the startup sweep leaves no temp file behind, and SQLite's integrity check passes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";
import { configureLogging } from "../../src/logging/index.ts";
import { dataDirLayout } from "../../src/store/index.ts";
import { createBlockstore, TEMP_DIR } from "../../src/store/blocks/index.ts";
import { createMetadataStore } from "../../src/store/metadata/index.ts";
import { tempDir } from "../store/helpers.ts";

const WRITER = fileURLToPath(new URL("./writer.ts", import.meta.url));
const ITERATIONS = 12;
/** Stop starting new iterations after this, so the test stays well under a minute on a busy machine. */
const TIME_BUDGET_MS = 35_000;
const MIN_ITERATIONS = 4;
/** Kill delays after the child reports ready; some iterations kill during start-up instead. */
const MAX_KILL_DELAY_MS = 400;

interface Acks {
  blocks: Set<string>;
  datasets: Map<string, number>;
}

function parseAcks(output: string, acks: Acks): boolean {
  let ready = false;
  // Only complete lines count: a line cut by the kill was never acknowledged.
  for (const line of output.split("\n").slice(0, -1)) {
    const [kind, cid, count] = line.split(" ");
    if (kind === "ready") ready = true;
    else if (kind === "block" && cid !== undefined) acks.blocks.add(cid);
    else if (kind === "dataset" && cid !== undefined) acks.datasets.set(cid, Number(count));
    else if (kind === "mid-block")
      continue; // the naive writer's cue to kill it: not an ack
    else throw new Error(`unexpected writer output: ${line}`);
  }
  return ready;
}

/** Runs the writer, SIGKILLs it at a random moment, and returns everything it printed. */
async function runAndKill(
  dataDir: string,
  killDuringStartup: boolean,
  mode: "durable" | "naive" = "durable",
): Promise<{ output: string; stderr: string }> {
  const child: ChildProcess = spawn(process.execPath, [WRITER, dataDir, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = () => child.kill("SIGKILL");
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (killDuringStartup) {
    setTimeout(kill, Math.random() * 150);
  } else if (mode === "naive") {
    // The negative control: killed while a block is half written (writer.ts says when).
    child.stdout?.on("data", (chunk: Buffer) => {
      if ((output + chunk.toString()).includes("mid-block ")) kill();
    });
    setTimeout(kill, 10_000);
  } else {
    child.stdout?.once("data", () => setTimeout(kill, Math.random() * MAX_KILL_DELAY_MS));
    // A writer that never gets ready must not hang the test.
    setTimeout(kill, 10_000);
  }
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await exited;
  // Drain what the pipe still held when the process died.
  await new Promise<void>((resolve) => {
    if (child.stdout === null || child.stdout.readableEnded) resolve();
    else child.stdout.once("end", () => resolve());
  });
  return { output, stderr };
}

async function verify(dataDir: string, acks: Acks) {
  const blocks = createBlockstore({}, { root: dataDirLayout(dataDir).blocks, verifyOnRead: true });
  await blocks.start();
  const metadata = createMetadataStore({}, { path: dataDirLayout(dataDir).metadata });
  metadata.start();
  try {
    expect(await readdir(join(dataDirLayout(dataDir).blocks, TEMP_DIR))).toEqual([]);
    expect(metadata.database.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });

    // Every file that looks like a block is whole (getBytes verifies against the CID).
    let stored = 0;
    for await (const cid of blocks.listCids()) {
      await blocks.getBytes(cid);
      stored++;
    }

    for (const cid of acks.blocks) {
      expect(await blocks.has(CID.parse(cid)), `acknowledged block ${cid}`).toBe(true);
      await blocks.getBytes(CID.parse(cid));
    }

    for (const [cid, count] of acks.datasets) {
      const dataset = metadata.datasets.get(cid);
      expect(dataset, `acknowledged dataset ${cid}`).toBeDefined();
      expect(dataset?.blockCount).toBe(count);
      const manifest = JSON.parse(new TextDecoder().decode(await blocks.getBytes(CID.parse(cid)))) as {
        blocks: string[];
      };
      expect([...metadata.datasets.blocks(cid)].sort()).toEqual(
        [...new Set([...manifest.blocks, cid])].sort(),
      );
    }

    // Rows committed after the last acknowledgement must be whole too.
    for (const dataset of metadata.datasets.list()) {
      for (const cid of metadata.datasets.blocks(dataset.cid)) {
        await blocks.getBytes(CID.parse(cid));
      }
    }
    return { stored, datasets: metadata.datasets.count(), swept: blocks.sweptTempFiles };
  } finally {
    metadata.stop();
    // Releases the lock before the next writer starts.
    await blocks.stop();
  }
}

describe("crash safety", () => {
  it("keeps every acknowledged block and dataset, and nothing torn, across SIGKILLs", {
    timeout: 60_000,
  }, async () => {
    configureLogging({ level: "error" });
    await using dir = await tempDir("cairn-crash-");
    const acks: Acks = { blocks: new Set(), datasets: new Map() };
    const started = Date.now();
    const log: string[] = [];
    let sweptTotal = 0;
    let iteration = 0;
    for (; iteration < ITERATIONS; iteration++) {
      if (iteration >= MIN_ITERATIONS && Date.now() - started > TIME_BUDGET_MS) break;
      // Every fourth run dies while starting (sweep, migrations), the rest mid-upload.
      const duringStartup = iteration % 4 === 3;
      const before = { blocks: acks.blocks.size, datasets: acks.datasets.size };
      const { output, stderr } = await runAndKill(dir.path, duringStartup);
      const ready = parseAcks(output, acks);
      if (!duringStartup) expect(ready, `writer failed to start: ${stderr}`).toBe(true);
      const result = await verify(dir.path, acks);
      sweptTotal += result.swept;
      log.push(
        `#${iteration} ${duringStartup ? "startup" : "upload "} +${acks.blocks.size - before.blocks} blocks ` +
          `+${acks.datasets.size - before.datasets} datasets acked; store ${result.stored} blocks, ` +
          `${result.datasets} datasets; swept ${result.swept} temp files`,
      );
    }
    console.log(
      `crash test: ${iteration} kills in ${Date.now() - started} ms, ${acks.blocks.size} blocks and ` +
        `${acks.datasets.size} datasets acknowledged, ${sweptTotal} temp files swept\n${log.join("\n")}`,
    );
    expect(acks.datasets.size).toBeGreaterThan(0);
  });

  it("catches torn blocks when blocks are written without temp file and rename", {
    timeout: 30_000,
  }, async () => {
    configureLogging({ level: "error" });
    await using dir = await tempDir("cairn-crash-naive-");
    const acks: Acks = { blocks: new Set(), datasets: new Map() };
    let caught: unknown;
    for (let attempt = 0; attempt < 8 && caught === undefined; attempt++) {
      const { output } = await runAndKill(dir.path, false, "naive");
      parseAcks(output, acks);
      caught = await verify(dir.path, acks).then(
        () => undefined,
        (err: unknown) => err,
      );
    }
    expect(caught).toMatchObject({ name: "BlockCorruptError" });
  });
});
