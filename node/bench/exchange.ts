/**
 * Benchmark of the block exchange (`npm run bench:exchange`). Prints one JSON object as its
 * last line. Every figure is measured in this run, between separate processes on loopback,
 * over the same transports (TCP, Noise, Yamux), as the median of `--rounds` transfers of
 * `--mib` MiB each (benchmarks.md). Each round runs every transfer once, back to back, and
 * the ratios are the medians of each round's own ratios.
 *
 *   node node/bench/exchange.ts [--rounds 3] [--warmup 2] [--mib 256] [--only key,key] [--verbose]
 *
 * - bareLibp2pMiBps: one raw libp2p stream, the provider writing 256 KiB chunks;
 * - heliaMiBps: Helia 7 bitswap, `unixfs.cat` of the same bytes added to a Helia provider;
 * - unpaidMiBps: the exchange, a WantManager download of the dataset's 256 KiB blocks from
 *   one provider that charges nothing;
 * - paidMiBps: the same from a provider that charges per block, with a real channel on anvil:
 *   the client opens it (before timing), sends a voucher every half threshold (32 MiB), the
 *   provider checks each one (signature, chain state) and stores it in SQLite before
 *   counting it, and settles on-chain every 128 MiB;
 * - multiSourceSpeedup: four providers, each limited to the same rate, against one of them.
 *   The rate is a sixth of the unpaid figure, so four of them stay under what one client can
 *   take and the ratio measures the download's spreading, not the CPU.
 *
 * Every kind of transfer has a client process of its own (bench/exchange-roles.ts), which
 * lives for the whole run. Measured when the clients shared this process: whichever transfer
 * came right after another kind ran up to 30% slower (the exchange after Helia, and the
 * paid one when the order was swapped), and forcing a collection between transfers made
 * every later transfer slower still. A node downloads in a process that does nothing else.
 *
 * Clients keep blocks in memory, as Helia's client does by default, so the figures compare
 * protocols rather than this machine's fsync. Providers serve from the durable FsBlockstore.
 *
 * `--verbose` also prints, for every transfer, the CPU seconds of the client (its timed part),
 * of each serving process, of the other processes (which should be idle) and of this one,
 * and each provider's share of a download.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CID } from "multiformats/cid";
import { createBlockstore } from "../src/store/blocks/index.ts";
import { cpuSeconds } from "./cpu-seconds.ts";
import { cpuTimes, stealShare } from "./cpu-steal.ts";
import {
  blockBytes,
  blockCountOf,
  cidOf,
  log,
  MiB,
  type PaidChain,
  type TransferResult,
} from "./exchange-common.ts";

/** The keys `--only` accepts: the figures a run can measure. */
const KEYS = ["bareLibp2pMiBps", "heliaMiBps", "unpaidMiBps", "paidMiBps", "multiSourceSpeedup"];

/** A whole number of at least `min` from flag `--name`, or a message naming the flag. */
function wholeFlag(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new Error(`--${name} must be a whole number of at least ${min}, got "${value}"`);
  }
  return Number(value);
}

/** The run's flags, checked: a bad one ends the run with its message and exit code 2. */
function readFlags(): { rounds: number; warmup: number; mib: number; only?: string[]; verbose: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        rounds: { type: "string", default: "3" },
        warmup: { type: "string", default: "2" },
        mib: { type: "string", default: "256" },
        only: { type: "string" },
        verbose: { type: "boolean", default: false },
      },
    });
    const only = values.only?.split(",");
    for (const key of only ?? []) {
      if (!KEYS.includes(key))
        throw new Error(`--only: unknown key "${key}"; the keys are ${KEYS.join(", ")}`);
    }
    return {
      rounds: wholeFlag("rounds", values.rounds, 1),
      warmup: wholeFlag("warmup", values.warmup, 0),
      // Whole MiB, so that every transfer moves the same whole 256 KiB blocks.
      mib: wholeFlag("mib", values.mib, 1),
      only,
      verbose: values.verbose,
    };
  } catch (err) {
    console.error(`bench:exchange: ${(err as Error).message}`);
    process.exit(2);
  }
}

const { rounds, warmup, mib, only, verbose } = readFlags();
const blockCount = blockCountOf(mib);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

// ---------------------------------------------------------------- child processes

interface Child {
  process: ChildProcess;
  ready: Record<string, string>;
  lines: AsyncIterator<string>;
}

const children: Child[] = [];
const ROLES = fileURLToPath(new URL("./exchange-roles.ts", import.meta.url));

/** The next line a child prints; rejects if it exits first. */
async function nextLine(c: Pick<Child, "process" | "lines">, what: string): Promise<string> {
  let onExit: ((code: number | null) => void) | undefined;
  const exited = new Promise<never>((_, reject) => {
    onExit = (code) => reject(new Error(`${what}: the child exited with ${code}`));
    c.process.once("exit", onExit);
  });
  try {
    const next = await Promise.race([c.lines.next(), exited]);
    if (next.done === true) throw new Error(`${what}: the child closed its output`);
    return next.value;
  } finally {
    if (onExit !== undefined) c.process.off("exit", onExit);
  }
}

async function child(args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [ROLES, ...args, "--mib", String(mib), "--rounds", String(rounds)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const ready = JSON.parse(await nextLine({ process: proc, lines }, args.join(" "))) as Record<
    string,
    string
  >;
  const c = { process: proc, ready, lines };
  children.push(c);
  return c;
}

async function stopChild(c: Child): Promise<void> {
  if (c.process.exitCode !== null) return;
  const exited = new Promise((resolve) => c.process.once("exit", resolve));
  c.process.stdin?.end();
  await exited;
}

/**
 * One transfer by `client` from `servers`, in MiB/s. With --verbose it also prints the CPU
 * seconds that the client and the serving processes spent on it: the machine has two
 * cores, so a transfer is as fast as the CPU both sides need per byte allows.
 */
async function transfer(client: Child, servers: Child[], root?: string): Promise<number> {
  const pids = servers.map((s) => s.process.pid as number);
  const bystanders = children.filter(
    (c) => c !== client && !servers.includes(c) && c.process.exitCode === null,
  );
  const before = pids.map((pid) => cpuSeconds(pid));
  const bystandersBefore = bystanders.map((c) => cpuSeconds(c.process.pid as number));
  const selfBefore = cpuSeconds(process.pid);
  client.process.stdin?.write(`${JSON.stringify({ addrs: servers.map((s) => s.ready.addr), root })}\n`);
  const result = JSON.parse(await nextLine(client, "transfer")) as TransferResult;
  if (verbose) {
    const onServers = pids.map((pid, i) => (cpuSeconds(pid) - (before[i] as number)).toFixed(2)).join(" + ");
    // The other processes should be idle; their CPU shows whether they were.
    const idle = bystanders.reduce(
      (sum, c, i) => sum + cpuSeconds(c.process.pid as number) - (bystandersBefore[i] as number),
      0,
    );
    const self = cpuSeconds(process.pid) - selfBefore;
    console.error(
      `  ${(result.bytes / MiB).toFixed(0)} MiB in ${result.seconds.toFixed(2)} s; CPU seconds: ` +
        `client ${result.cpuSeconds.toFixed(2)}, servers ${onServers}, others ${idle.toFixed(2)}, this process ${self.toFixed(2)}`,
    );
    for (const p of result.providers ?? []) {
      console.error(
        `  ${p.peer.slice(-6)}: ${p.blocks} blocks, window ${p.window}, ` +
          `latency ${p.latencyMs?.toFixed(0)} ms, ${(((p.throughput ?? 0) * 1000) / MiB).toFixed(1)} MiB/s`,
      );
    }
  }
  if (result.bytes !== blockCount * 256 * 1024) {
    throw new Error(`a transfer moved ${result.bytes} bytes, not the dataset's ${blockCount * 256 * 1024}`);
  }
  return result.bytes / MiB / result.seconds;
}

// ---------------------------------------------------------------- the run

/** The dataset, written once into a durable store that every provider process opens. */
async function writeDataset(root: string): Promise<CID[]> {
  const store = createBlockstore({ logger: log }, { root, lock: false });
  await store.start();
  const cids: CID[] = [];
  for (let i = 0; i < blockCount; i += 16) {
    const batch = [];
    for (let j = i; j < Math.min(blockCount, i + 16); j++) {
      const bytes = blockBytes(j);
      const cid = cidOf(bytes);
      cids.push(cid);
      batch.push(store.put(cid, bytes));
    }
    await Promise.all(batch);
  }
  await store.stop();
  return cids;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "cairn-bench-exchange-"));
  const figures: Record<string, number[]> = {};
  const record = (key: string, value: number): void => {
    const list = figures[key] ?? [];
    list.push(value);
    figures[key] = list;
    console.error(
      `${key}: ${value.toFixed(key.endsWith("MiBps") ? 1 : 2)}${key.endsWith("MiBps") ? " MiB/s" : "x"}`,
    );
  };
  /** Each round's share of the machine's CPU time stolen by its hypervisor (cpu-steal.ts). */
  const steals: number[] = [];
  const noteSteal = (roundStart: ReturnType<typeof cpuTimes>): void => {
    const share = stealShare(roundStart, cpuTimes());
    if (share === undefined) return;
    steals.push(share);
    console.error(`CPU time stolen by the hypervisor this round: ${(share * 100).toFixed(1)}%`);
  };
  /** Ratios of each round's own figures; their medians are the reported ratios. */
  const ratios: Record<"ratioVsLibp2p" | "ratioVsHelia" | "paymentOverhead", number[]> = {
    ratioVsLibp2p: [],
    ratioVsHelia: [],
    paymentOverhead: [],
  };
  const want = (key: string): boolean => only === undefined || only.includes(key);
  let devnet: Awaited<ReturnType<typeof import("../test/helpers/devnet.ts").startDevnet>> | undefined;
  try {
    // The chain first: deploying its contracts is heavy work that no transfer should follow.
    let chain: ((role: string) => string) | undefined;
    if (want("paidMiBps")) {
      const { startDevnet } = await import("../test/helpers/devnet.ts");
      const chainNode = await startDevnet();
      devnet = chainNode;
      chain = (role: string): string =>
        JSON.stringify({
          rpcUrl: chainNode.rpcUrl,
          paymentChannels: chainNode.contracts.PaymentChannels.address,
          chainId: chainNode.chain.id,
          role,
        } satisfies PaidChain);
    }
    const storeRoot = join(work, "blocks");
    await writeDataset(storeRoot);
    console.error(`dataset: ${blockCount} blocks of 256 KiB in ${storeRoot}`);

    // Every server and client is started first, then each round measures the transfers one
    // after the other, so each round's ratios compare transfers seconds apart. On a shared
    // machine the load changes by the minute; phases of three rounds each would compare
    // different loads.
    const transfers: Array<[string, () => Promise<number>]> = [];
    if (want("bareLibp2pMiBps")) {
      const server = await child(["--role", "raw-server"]);
      const client = await child(["--role", "client", "--kind", "bare"]);
      transfers.push(["bare", () => transfer(client, [server])]);
    }
    if (want("heliaMiBps")) {
      const server = await child(["--role", "helia-provider"]);
      const client = await child(["--role", "client", "--kind", "helia"]);
      transfers.push(["helia", () => transfer(client, [server], server.ready.root)]);
    }
    const exchangeClient =
      want("unpaidMiBps") || want("multiSourceSpeedup")
        ? await child(["--role", "client", "--kind", "exchange"])
        : undefined;
    if (want("unpaidMiBps") && exchangeClient !== undefined) {
      const server = await child(["--role", "provider", "--store", storeRoot]);
      transfers.push(["unpaid", () => transfer(exchangeClient, [server])]);
    }
    if (chain !== undefined) {
      const server = await child(["--role", "provider", "--store", storeRoot, "--paid", chain("provider1")]);
      // The client opens its channel to provider1 before it says it is ready: a one-off
      // on-chain step, not part of any transfer.
      const client = await child(["--role", "client", "--kind", "exchange", "--paid", chain("client1")]);
      transfers.push(["paid", () => transfer(client, [server])]);
    }
    for (let r = 0; r < rounds; r++) {
      const round: Record<string, number> = {};
      // Untimed passes first, so no figure carries its processes' warm-up (the JIT, the
      // heap's limits): with one pass, the bare stream still sped up from round to round.
      if (r === 0) for (let w = 0; w < warmup; w++) for (const [, run] of transfers) await run();
      const roundStart = cpuTimes();
      // Each round starts at another transfer, so none always follows the same one.
      for (let i = 0; i < transfers.length; i++) {
        const [key, run] = transfers[(i + r) % transfers.length] as [string, () => Promise<number>];
        if (verbose) console.error(`${key}, round ${r + 1}:`);
        round[key] = await run();
      }
      noteSteal(roundStart);
      if (round.bare !== undefined) record("bareLibp2pMiBps", round.bare);
      if (round.helia !== undefined) record("heliaMiBps", round.helia);
      if (round.unpaid !== undefined) record("unpaidMiBps", round.unpaid);
      if (round.paid !== undefined) {
        record("paidMiBps", round.paid);
        if (round.bare !== undefined) ratios.ratioVsLibp2p.push(round.paid / round.bare);
        if (round.helia !== undefined) ratios.ratioVsHelia.push(round.paid / round.helia);
        if (round.unpaid !== undefined) ratios.paymentOverhead.push(1 - round.paid / round.unpaid);
      }
    }
    // Closing the paid client prints its channel's cumulative voucher.
    for (const c of children.filter((c) => c !== exchangeClient)) await stopChild(c);
    if (want("multiSourceSpeedup") && exchangeClient !== undefined) {
      const rate = Math.floor((median(figures.unpaidMiBps ?? [60]) / 6) * MiB);
      const limited = await Promise.all(
        [0, 1, 2, 3].map(() => child(["--role", "provider", "--store", storeRoot, "--rate", String(rate)])),
      );
      console.error(`multi-source: each provider limited to ${(rate / MiB).toFixed(1)} MiB/s`);
      for (let r = 0; r < rounds; r++) {
        const roundStart = cpuTimes();
        const one = await transfer(exchangeClient, limited.slice(0, 1));
        const four = await transfer(exchangeClient, limited);
        console.error(`multi-source: one ${one.toFixed(1)} MiB/s, four ${four.toFixed(1)} MiB/s`);
        noteSteal(roundStart);
        record("multiSourceSpeedup", four / one);
      }
    }
    for (const c of children) await stopChild(c);
  } finally {
    for (const c of children) if (c.process.exitCode === null) c.process.kill();
    await devnet?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const m = (key: string): number | undefined =>
    figures[key] === undefined ? undefined : median(figures[key]);
  const bare = m("bareLibp2pMiBps");
  const helia = m("heliaMiBps");
  const unpaid = m("unpaidMiBps");
  const paid = m("paidMiBps");
  const speedup = m("multiSourceSpeedup");
  const result: Record<string, unknown> = {
    bareLibp2pMiBps: bare === undefined ? undefined : round2(bare),
    heliaMiBps: helia === undefined ? undefined : round2(helia),
    unpaidMiBps: unpaid === undefined ? undefined : round2(unpaid),
    paidMiBps: paid === undefined ? undefined : round2(paid),
    ratioVsLibp2p: ratios.ratioVsLibp2p.length > 0 ? round2(median(ratios.ratioVsLibp2p)) : undefined,
    ratioVsHelia: ratios.ratioVsHelia.length > 0 ? round2(median(ratios.ratioVsHelia)) : undefined,
    paymentOverhead: ratios.paymentOverhead.length > 0 ? round2(median(ratios.paymentOverhead)) : undefined,
    multiSourceSpeedup: speedup === undefined ? undefined : round2(speedup),
    rounds,
    mib,
    rounds_MiBps: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v.map(round2)])),
    rounds_ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v.map(round2)])),
    // How contended the machine was: the median round's share of CPU time stolen, and each round's.
    stealShare: steals.length > 0 ? round2(median(steals)) : undefined,
    rounds_stealShare: steals.map(round2),
  };
  result.pass =
    (result.ratioVsLibp2p as number) >= 0.7 &&
    (result.ratioVsHelia as number) >= 3 &&
    (result.paymentOverhead as number) <= 0.1 &&
    (result.multiSourceSpeedup as number) >= 3.2;
  console.log(JSON.stringify(result));
}

await main();
