/**
 * One round of the whole upload pipeline through the REST API, for `npm run bench:data`:
 * a `cairn start` child process with a fresh data folder receives `bytes` of streamed data
 * as `POST /api/v1/data?k=10&m=4` (chunk, CIDs, erasure 10+4, slot trees, durable store),
 * then serves it back with `GET /api/v1/data/{cid}`, which is hashed and compared. The
 * child's peak RSS over both (VmHWM, Linux) is the `maxRssMiB` figure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../bin/node-flags.ts";
import { cpuSeconds } from "./cpu-seconds.ts";

/** The compiled node, as `npm start` runs it (`npm run bench:data` builds it first). */
const BIN = fileURLToPath(new URL("../dist/bin/cairn.js", import.meta.url));
const TOKEN = "bench-token-for-a-throwaway-node";
const MiB = 1024 * 1024;

export interface ApiRound {
  uploadMiBps: number;
  downloadMiBps: number;
  /** The node process's peak resident set over the upload and the download. */
  maxRssMiB: number;
  /** Its peak resident set when the upload was answered (before the download). */
  uploadRssMiB: number;
  /** CPU seconds (user + system, all threads) the node spent on the upload. */
  uploadCpuSeconds: number;
  /** The same for its main thread alone (the event loop). */
  uploadMainCpuSeconds: number;
  /** CPU seconds during the upload by thread name, for threads alive at its end. */
  uploadCpuByThread: Record<string, number>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cairn start exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("the node did not answer /api/v1/health within 30 s");
}

/** Peak resident set of `pid` in MiB, from /proc (Linux). */
function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match?.[1] === undefined) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** CPU seconds per thread name (libuv's pool, V8's GC helpers, workers...) of `pid`. */
function cpuByThreadName(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const line = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = line.slice(line.indexOf("(") + 1, line.lastIndexOf(")"));
      const key = tid === String(pid) ? "main" : name;
      byName.set(key, (byName.get(key) ?? 0) + cpuSeconds(pid, Number(tid)));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byName;
}

/**
 * Runs one upload and download of `bytes` bytes produced by `input` (which must yield
 * the same bytes each time it is called) and checks the download against the upload.
 */
export async function measureApiRound(
  bytes: number,
  input: () => AsyncIterable<Uint8Array>,
): Promise<ApiRound> {
  const dataDir = mkdtempSync(join(tmpdir(), "cairn-bench-node-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...NODE_FLAGS,
      BIN,
      "start",
      "--data-dir",
      dataDir,
      "--api-port",
      String(port),
      "--wallet-dev-account",
      "provider1",
    ],
    {
      env: { ...process.env, CAIRN_API_TOKEN: TOKEN, CAIRN_LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  try {
    await waitForHealth(url, child);
    const sent = createHash("sha256");
    const body = ReadableStream.from(
      (async function* () {
        for await (const chunk of input()) {
          sent.update(chunk);
          yield chunk;
        }
      })(),
    );
    const cpuBefore = cpuSeconds(child.pid ?? 0);
    const mainCpuBefore = cpuSeconds(child.pid ?? 0, child.pid);
    const threadsBefore = cpuByThreadName(child.pid ?? 0);
    const uploadStart = performance.now();
    const upload = await fetch(`${url}/api/v1/data?k=10&m=4`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" },
      body,
      duplex: "half",
    } as RequestInit);
    const answer = (await upload.json()) as { cid?: string; error?: { message: string } };
    const uploadSeconds = (performance.now() - uploadStart) / 1000;
    const uploadCpuSeconds = cpuSeconds(child.pid ?? 0) - cpuBefore;
    const uploadMainCpuSeconds = cpuSeconds(child.pid ?? 0, child.pid) - mainCpuBefore;
    const uploadRssMiB = peakRssMiB(child.pid ?? 0);
    const uploadCpuByThread: Record<string, number> = {};
    for (const [name, used] of cpuByThreadName(child.pid ?? 0))
      uploadCpuByThread[name] = Math.round((used - (threadsBefore.get(name) ?? 0)) * 100) / 100;
    if (!upload.ok || answer.cid === undefined) {
      throw new Error(`upload failed: ${upload.status} ${answer.error?.message ?? ""}`);
    }

    const downloadStart = performance.now();
    const download = await fetch(`${url}/api/v1/data/${answer.cid}`);
    if (!download.ok || download.body === null) throw new Error(`download failed: ${download.status}`);
    const received = createHash("sha256");
    let receivedBytes = 0;
    for await (const chunk of download.body) {
      received.update(chunk);
      receivedBytes += chunk.length;
    }
    const downloadSeconds = (performance.now() - downloadStart) / 1000;
    if (receivedBytes !== bytes || received.digest("hex") !== sent.digest("hex")) {
      throw new Error(`the download differs from the upload (${receivedBytes} of ${bytes} bytes)`);
    }
    return {
      uploadMiBps: bytes / MiB / uploadSeconds,
      downloadMiBps: bytes / MiB / downloadSeconds,
      maxRssMiB: peakRssMiB(child.pid ?? 0),
      uploadRssMiB,
      uploadCpuSeconds,
      uploadMainCpuSeconds,
      uploadCpuByThread,
    };
  } finally {
    const exited = new Promise((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
