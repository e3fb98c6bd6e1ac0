/**
 * Benchmark of the data core (`npm run bench:data`). Prints one JSON object as its last
 * line. Each figure is taken next to its own baseline, `crypto.hash('sha256')` over the
 * same number of bytes in the same round, and reported as the median of the rounds
 * (benchmarks.md: these machines are noisy, only same-run ratios hold).
 *
 *   node node/bench/data.ts [--rounds 3] [--pipeline-mib 1024]
 *
 * - tree: slot cell tree at 256 B cells over a 64 MiB slot, WASM hasher;
 *   nativePerLeaf: the leaves alone with one `crypto.hash` call per cell, for comparison;
 * - erasure: Reed-Solomon 10+4 encode over 64 MiB of data (MiB/s of data in);
 * - pipeline: the core upload pipeline (chunk, CIDs, erasure 10+4, slot trees, manifest)
 *   with stripes in worker threads, over a streamed input, blocks discarded;
 * - upload: the whole upload pipeline as a node runs it, through the REST API of a
 *   `cairn start` child process into its durable store (api-round.ts); the download of
 *   the same data back is checked, and `maxRssMiB` is that process's peak RSS over both.
 */
import { hash } from "node:crypto";
import { parseArgs } from "node:util";
import {
  buildSlotTree,
  createCellHasher,
  createErasureCodec,
  DEFAULT_CELL_SIZE,
  uploadData,
} from "../src/core/index.ts";
import { createWorkerStripeEncoder, DEFAULT_STRIPE_WORKERS } from "../src/pipeline/index.ts";
import { measureApiRound } from "./api-round.ts";
import { cpuTimes, stealShare } from "./cpu-steal.ts";

const MiB = 1024 * 1024;
const BLOCK = 262_144;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    "pipeline-mib": { type: "string", default: "1024" },
  },
});
const rounds = Number(values.rounds);
const pipelineMiB = Number(values["pipeline-mib"]);

/** Pseudo-random bytes, cheap to make: SHA-256 in counter mode. */
function randomish(size: number, label: string): Uint8Array {
  const out = new Uint8Array(size);
  const seed = hash("sha256", label, "buffer");
  for (let offset = 0, counter = 0; offset < size; offset += 32, counter++) {
    seed.writeUInt32LE(counter, 0);
    out.set(hash("sha256", seed, "buffer").subarray(0, Math.min(32, size - offset)), offset);
  }
  return out;
}

function seconds(run: () => void): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

/** SHA-256 throughput over `bytes` bytes, hashing `buffer` repeatedly. */
function sha256MiBps(buffer: Uint8Array, bytes: number): number {
  const time = seconds(() => {
    for (let done = 0; done < bytes; done += buffer.length) hash("sha256", buffer, "buffer");
  });
  return bytes / MiB / time;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

const hasher = await createCellHasher();
const codec = await createErasureCodec();
const slot = randomish(64 * MiB, "tree");
const stripeData = randomish(10 * BLOCK, "erasure");
const pipelinePiece = randomish(16 * MiB, "pipeline");

/** A streamed input of `total` bytes whose 256 KiB blocks all differ. */
async function* pipelineInput(total: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0, index = 0; offset < total; offset += pipelinePiece.length, index++) {
    const piece = pipelinePiece.slice(0, Math.min(pipelinePiece.length, total - offset));
    for (let block = 0; block * BLOCK < piece.length; block++)
      new DataView(piece.buffer).setUint32(block * BLOCK, index * 64 + block);
    yield piece;
  }
}

const results = {
  sha: [] as number[],
  tree: [] as number[],
  treeRatio: [] as number[],
  nativeLeafRatio: [] as number[],
  erasure: [] as number[],
  erasureRatio: [] as number[],
  pipeline: [] as number[],
  pipelineRatio: [] as number[],
  upload: [] as number[],
  uploadRatio: [] as number[],
  download: [] as number[],
  maxRss: [] as number[],
  steal: [] as number[],
};

// Warm up the JIT and WASM tiers.
buildSlotTree(slot.subarray(0, 4 * MiB), DEFAULT_CELL_SIZE, hasher);
codec.encode(stripeData, 10, 4);

for (let round = 0; round < rounds; round++) {
  const roundStart = cpuTimes();
  const treeSha = sha256MiBps(slot, slot.length);
  const treeTime = seconds(() => buildSlotTree(slot, DEFAULT_CELL_SIZE, hasher));
  const tree = slot.length / MiB / treeTime;
  // The alternative that the WASM hasher replaced: one native call per 256 B leaf.
  const leafBytes = 16 * MiB;
  const leafTime = seconds(() => {
    for (let offset = 0; offset < leafBytes; offset += DEFAULT_CELL_SIZE)
      hash("sha256", slot.subarray(offset, offset + DEFAULT_CELL_SIZE), "buffer");
  });
  const nativePerLeaf = leafBytes / MiB / leafTime;

  const erasureBytes = 64 * MiB;
  const erasureSha = sha256MiBps(stripeData, erasureBytes);
  const erasureTime = seconds(() => {
    for (let done = 0; done < erasureBytes; done += stripeData.length) codec.encode(stripeData, 10, 4);
  });
  const erasure = erasureBytes / MiB / erasureTime;

  const pipelineBytes = pipelineMiB * MiB;
  const pipelineSha = sha256MiBps(pipelinePiece, pipelineBytes);
  // The node keeps its stripe workers for its lifetime, so their start is not timed.
  const encoder = createWorkerStripeEncoder({ workers: DEFAULT_STRIPE_WORKERS });
  await encoder.encode(new Uint8Array(10 * BLOCK), {
    k: 10,
    m: 4,
    blockSize: BLOCK,
    cellSize: DEFAULT_CELL_SIZE,
  });
  await encoder.encode(new Uint8Array(10 * BLOCK), {
    k: 10,
    m: 4,
    blockSize: BLOCK,
    cellSize: DEFAULT_CELL_SIZE,
  });
  const start = performance.now();
  await uploadData(pipelineInput(pipelineBytes), {
    onBlock: () => {},
    erasure: { k: 10, m: 4 },
    stripeEncoder: encoder,
    maxStripesInFlight: 2 * DEFAULT_STRIPE_WORKERS,
  });
  const pipeline = pipelineBytes / MiB / ((performance.now() - start) / 1000);
  await encoder.close?.();

  const uploadSha = sha256MiBps(pipelinePiece, pipelineBytes);
  const api = await measureApiRound(pipelineBytes, () => pipelineInput(pipelineBytes));

  results.sha.push(treeSha, erasureSha, pipelineSha, uploadSha);
  results.tree.push(tree);
  results.treeRatio.push(tree / treeSha);
  results.nativeLeafRatio.push(nativePerLeaf / treeSha);
  results.erasure.push(erasure);
  results.erasureRatio.push(erasure / erasureSha);
  results.pipeline.push(pipeline);
  results.pipelineRatio.push(pipeline / pipelineSha);
  results.upload.push(api.uploadMiBps);
  results.uploadRatio.push(api.uploadMiBps / uploadSha);
  results.download.push(api.downloadMiBps);
  results.maxRss.push(api.maxRssMiB);
  const steal = stealShare(roundStart, cpuTimes());
  if (steal !== undefined) results.steal.push(steal);
  console.log(
    `round ${round + 1}: sha256 ${treeSha.toFixed(0)}/${erasureSha.toFixed(0)}/${pipelineSha.toFixed(0)} MiB/s, ` +
      `tree ${tree.toFixed(0)} MiB/s (${(tree / treeSha).toFixed(3)}x), ` +
      `erasure ${erasure.toFixed(0)} MiB/s (${(erasure / erasureSha).toFixed(3)}x), ` +
      `pipeline ${pipeline.toFixed(0)} MiB/s (${(pipeline / pipelineSha).toFixed(3)}x), ` +
      `upload via API ${api.uploadMiBps.toFixed(0)} MiB/s (${(api.uploadMiBps / uploadSha).toFixed(3)}x), ` +
      `download ${api.downloadMiBps.toFixed(0)} MiB/s, node peak RSS ${api.maxRssMiB.toFixed(0)} MiB ` +
      `(${api.uploadRssMiB.toFixed(0)} MiB by the end of the upload), ` +
      `node CPU during the upload ${api.uploadCpuSeconds.toFixed(1)} s (main thread ${api.uploadMainCpuSeconds.toFixed(1)} s) over ${(pipelineBytes / MiB / api.uploadMiBps).toFixed(1)} s ` +
      JSON.stringify(api.uploadCpuByThread) +
      (steal === undefined ? "" : `, CPU time stolen by the hypervisor ${(steal * 100).toFixed(1)}%`),
  );
}

console.log(
  JSON.stringify({
    sha256MiBps: round2(median(results.sha)),
    treeMiBps: round2(median(results.tree)),
    treeRatio: round3(median(results.treeRatio)),
    nativePerLeafRatio: round3(median(results.nativeLeafRatio)),
    erasureMiBps: round2(median(results.erasure)),
    erasureRatio: round3(median(results.erasureRatio)),
    pipelineMiBps: round2(median(results.pipeline)),
    pipelineRatio: round3(median(results.pipelineRatio)),
    uploadMiBps: round2(median(results.upload)),
    uploadRatio: round3(median(results.uploadRatio)),
    downloadMiBps: round2(median(results.download)),
    maxRssMiB: Math.round(Math.max(...results.maxRss)),
    // How contended the machine was (cpu-steal.ts): the median round's share of CPU time stolen.
    stealShare: results.steal.length > 0 ? round3(median(results.steal)) : undefined,
    pipelineMiB,
    cellSize: DEFAULT_CELL_SIZE,
    rounds,
    bars: { treeRatio: 0.1, erasureRatio: 0.2, uploadRatio: 0.06, maxRssMiB: 300 },
    pass:
      median(results.treeRatio) >= 0.1 &&
      median(results.erasureRatio) >= 0.2 &&
      median(results.uploadRatio) >= 0.06 &&
      Math.max(...results.maxRss) < 300,
    note: "pipeline = core pipeline, blocks discarded; upload/download = a cairn start process over its REST API and durable store (erasure 10+4); maxRssMiB = that process's peak RSS (VmHWM), the worst round",
  }),
);
