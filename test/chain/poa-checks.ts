// What the Clique chain tests (poa-smoke.ts, sealer-failover.ts) share: the check recorder
// that prints a PASS/FAIL line per check, a run of checks on a fresh N-sealer network that
// always stops the chain, the closing "N passed, N failed" line, and small helpers.
import { statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { cliqueSigner } from "../../scripts/chain/clique.ts";
import { ChainError } from "../../scripts/chain/errors.ts";
import { stopAll } from "../../scripts/chain/proc.ts";
import { type ChainNode, type RunningChain, startChain } from "../../scripts/chain/start.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface PoaSmokeResult {
  passed: number;
  failed: number;
  checks: SmokeCheck[];
}

export type Log = (line: string) => void;

export interface CheckRecorder {
  checks: SmokeCheck[];
  /** Adds a check and prints its PASS/FAIL line; returns ok. */
  record(name: string, ok: boolean, detail: string): boolean;
  /** Run one check; an exception is a FAIL with its first line. */
  check(name: string, fn: () => Promise<string>): Promise<boolean>;
}

/** An error's first line (the FAIL detail). */
export function firstLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split("\n")[0] ?? "";
}

/** Collects checks and prints a "PASS  name — detail" or "FAIL  ..." line for each. */
export function createCheckRecorder(log: Log): CheckRecorder {
  const checks: SmokeCheck[] = [];
  const record = (name: string, ok: boolean, detail: string): boolean => {
    checks.push({ name, ok, detail });
    log(`${ok ? "PASS" : "FAIL"}  ${name}${detail ? ` — ${detail}` : ""}`);
    return ok;
  };
  const check = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    try {
      return record(name, true, await fn());
    } catch (err) {
      return record(name, false, firstLine(err));
    }
  };
  return { checks, record, check };
}

/** Prints "N passed, N failed". */
export function summary(checks: SmokeCheck[], log: Log): PoaSmokeResult {
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed;
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, checks };
}

/** 0x1234…abcd */
export function short(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitForHeight(
  client: PublicClient,
  height: bigint,
  timeoutMs: number,
): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await client.getBlockNumber({ cacheTime: 0 });
    if (n >= height) return n;
    if (Date.now() > deadline)
      throw new Error(`head stuck at block ${n}, wanted ${height} within ${timeoutMs / 1000}s`);
    await sleep(500);
  }
}

export interface PoaNode extends ChainNode {
  client: PublicClient;
}

export interface PoaNetwork {
  running: RunningChain;
  viemChain: Chain;
  /** The sealers, each with a public client on its own RPC. */
  nodes: PoaNode[];
}

/** The options the chain tests share; each test has its own defaults (see its header). */
export interface PoaTestOptions {
  /** RPC port of sealer 1 (sealer N uses rpcPort + N - 1). */
  rpcPort?: number;
  /** devp2p port of sealer 1 (sealer N uses p2pPort + N - 1). */
  p2pPort?: number;
  /** Chain data, wiped at start. */
  dataDir?: string;
  /** Output lines (default console.log). */
  log?: Log;
}

export interface PoaTestSetup {
  sealers: number;
  rpcPort: number;
  p2pPort: number;
  dataDir: string;
  /** For the FAIL line of an unexpected exception: "<what> ran to its end". */
  what: string;
}

/**
 * Starts a `sealers`-sealer Clique network from genesis (as a check), runs `body` on it unless
 * that failed, always stops the chain (a check too: no process may be left), and ends with
 * the summary line. An exception out of `body` is a FAIL "<what> ran to its end"; `body`
 * returns early to skip the rest. `opts` overrides the ports and data dir of `setup`.
 */
export async function runPoaTest(
  opts: PoaTestOptions,
  setup: PoaTestSetup,
  body: (net: PoaNetwork, rec: CheckRecorder) => Promise<void>,
): Promise<PoaSmokeResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const rec = createCheckRecorder(log);
  let chain: RunningChain | undefined;
  try {
    const started = await rec.check(
      `start a ${setup.sealers}-sealer Clique network from genesis`,
      async () => {
        const t0 = Date.now();
        chain = await startChain({
          engine: "poa",
          sealers: setup.sealers,
          rpcPort: opts.rpcPort ?? setup.rpcPort,
          p2pPort: opts.p2pPort ?? setup.p2pPort,
          dataDir: opts.dataDir ?? setup.dataDir,
        });
        return `${chain.rpcUrls.join(", ")} up in ${Math.round((Date.now() - t0) / 1000)}s, chainId ${chain.chainId}`;
      },
    );
    if (!started || chain === undefined) return summary(rec.checks, log);
    const running: RunningChain = chain;

    const viemChain: Chain = defineChain({
      id: running.chainId,
      name: "cairn-devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: running.rpcUrls } },
    });
    const nodes = running.nodes.map((n) => ({
      ...n,
      client: createPublicClient({ chain: viemChain, transport: http(n.rpcUrl), pollingInterval: 500 }),
    }));
    await body({ running, viemChain, nodes }, rec);
  } catch (err) {
    rec.record(`${setup.what} ran to its end`, false, firstLine(err));
  } finally {
    if (chain !== undefined) {
      const running: RunningChain = chain;
      await rec.check("stop the chain (no process left)", async () => {
        const t0 = Date.now();
        await running.stop();
        const alive = running.nodes.filter((n) => {
          try {
            process.kill(n.pid, 0);
            return true;
          } catch {
            return false;
          }
        });
        if (alive.length > 0)
          throw new Error(`still running: ${alive.map((n) => `${n.name} (pid ${n.pid})`).join(", ")}`);
        return `stopped in ${Math.round((Date.now() - t0) / 1000)}s`;
      });
    }
  }
  return summary(rec.checks, log);
}

/** A wallet client on `node`'s RPC that sends as the dev account `sender` (e.g. "provider1"). */
export function walletOn(viemChain: Chain, node: ChainNode, sender: string) {
  return createWalletClient({
    chain: viemChain,
    transport: http(node.rpcUrl),
    account: privateKeyToAccount(devAccount(sender).privateKey),
  });
}

/**
 * Names the sealers s1..sN by their place in `nodes` (any other signer is "unknown 0x1234…abcd"),
 * and reads who sealed a run of blocks (signer recovered from the Clique seal).
 */
export function sealerNames(nodes: readonly ChainNode[]): {
  nameOf: (signer: Address) => string;
  sealersOf: (client: PublicClient, from: bigint, to: bigint) => Promise<string[]>;
} {
  const signers = nodes.map((n) => (n.signer ?? "0x") as Address);
  const nameOf = (a: Address): string => {
    const k = signers.findIndex((s) => s.toLowerCase() === a.toLowerCase());
    return k === -1 ? `unknown ${short(a)}` : `s${k + 1}`;
  };
  const sealersOf = async (client: PublicClient, from: bigint, to: bigint): Promise<string[]> => {
    const names: string[] = [];
    for (let n = from; n <= to; n++)
      names.push(nameOf(await cliqueSigner(await client.getBlock({ blockNumber: n }))));
    return names;
  };
  return { nameOf, sealersOf };
}

/**
 * The highest block every node has and its hash there, with each node's head; throws
 * "block N: sealer1 0x1234…abcd vs sealer2 0x5678…ef01" if they have different blocks at that height.
 */
export async function commonHead(nodes: readonly PoaNode[]): Promise<{
  height: bigint;
  hash: string;
  heads: bigint[];
}> {
  const heads = await Promise.all(nodes.map((n) => n.client.getBlockNumber({ cacheTime: 0 })));
  // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min/max take numbers only
  const height = heads.reduce((a, b) => (a < b ? a : b));
  const blocks = await Promise.all(nodes.map((n) => n.client.getBlock({ blockNumber: height })));
  const hashes = blocks.map((b) => b.hash);
  if (new Set(hashes).size !== 1)
    throw new Error(
      `block ${height}: ${nodes.map((n, i) => `${n.name} ${short(hashes[i] ?? "?")}`).join(" vs ")}`,
    );
  return { height, hash: hashes[0] ?? "?", heads };
}

/**
 * The --data-dir flag: an absolute path (relative ones are taken from the current folder), or
 * undefined when not given. It must not be empty nor name something that is not a folder.
 * (startChain itself refuses to wipe a non-empty folder it did not create.)
 */
export function dataDirFlag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.trim() === "") throw new ChainError("--data-dir must be a folder path (got an empty string)");
  const dir = path.resolve(v);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory())
    throw new ChainError(`--data-dir must be a folder (got ${JSON.stringify(v)}, which is not one)`);
  return dir;
}

/**
 * The script's entry point, when `moduleUrl` (its import.meta.url) is the file node was started
 * with: exits with main's code (1 on an unexpected error).
 */
export function runIfMain(moduleUrl: string, main: () => Promise<number>): void {
  if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`error: ${(err as Error)?.message ?? String(err)}`);
      process.exit(1);
    },
  );
}

/** Ctrl-C or SIGTERM stops the chain, then exits 130; a second one exits at once. */
export function stopChainOnSignal(): void {
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error("\ninterrupted: stopping the chain...");
    void stopAll({ intMs: 15_000, termMs: 5_000 }).then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
