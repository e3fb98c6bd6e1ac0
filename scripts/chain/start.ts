// startChain(): a fresh devnet from genesis/, on the real Clique engine (poa) or on anvil.
//
//   const chain = await startChain({ engine: 'poa', sealers: 2 });
//   chain.rpcUrls  // ['http://127.0.0.1:8545', 'http://127.0.0.1:8546']
//   await chain.stop();
//
// It checks the ports, wipes and recreates the data dir (a devnet starts fresh), starts the
// processes, and resolves once every node answers RPC with the genesis chainId AND blocks
// advance; otherwise it stops what it started and throws a one-line ChainError.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEV_ACCOUNTS_FILE, devSealers, loadDevAccounts, type Hex } from "../lib/dev-accounts.ts";
import { startAnvil } from "./engines/anvil.ts";
import { startPoaNodes } from "./engines/poa.ts";
import { ChainError, UsageError } from "./errors.ts";
import { loadGenesis, withCliqueSigners, writeGenesis } from "./genesis.ts";
import { checkEthereumjsPatch, PatchError } from "./patch-ethereumjs.mjs";
import { DEFAULT_DATA_DIR, GENESIS_FILE, rel } from "./paths.ts";
import { assertPortsFree, validPort, type PortNeed } from "./ports.ts";
import { stopProcess, type ManagedProcess, type StopTimings } from "./proc.ts";
import { blockNumber, sleep, tryRpc } from "./rpc.ts";

export type Engine = "poa" | "anvil";
export const ENGINES: readonly Engine[] = ["poa", "anvil"];

export interface StartChainOptions {
  /** 'poa' (default): @ethereumjs/client Clique sealers. 'anvil': anvil from the same genesis. */
  engine?: Engine;
  /** Number of Clique sealers (poa only), 1 to the number of sealerN dev accounts. Default 1. */
  sealers?: number;
  /** RPC port of the first node; sealer N listens on rpcPort + N - 1. Default 8545. */
  rpcPort?: number;
  /** devp2p port (TCP and UDP) of the first sealer; sealer N uses p2pPort + N - 1. Default 30303. */
  p2pPort?: number;
  /** Chain data folder, wiped at every start. Default .cairn/chain in the repo. */
  dataDir?: string;
  /** geth-format Clique genesis. Default genesis/genesis.json. */
  genesisFile?: string;
  /** Default genesis/dev-accounts.json (the sealer keys come from its sealerN accounts). */
  accountsFile?: string;
  /** Start-up time limit. Default 60 s + 30 s per extra sealer (poa), 30 s (anvil). */
  timeoutMs?: number;
  /**
   * anvil only: mine a block per transaction instead of one every Clique period. Tests use
   * it so that a deploy or a transaction never waits on the block time. Default false.
   */
  automine?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface ChainNode {
  name: string;
  rpcUrl: string;
  /** The sealer's address (poa). */
  signer?: Hex;
  logFile: string;
  pid: number;
}

export interface RunningChain {
  engine: Engine;
  chainId: number;
  rpcUrls: string[];
  nodes: ChainNode[];
  dataDir: string;
  /** The genesis the nodes were started from (for poa, the derived one under dataDir). */
  genesisFile: string;
  /** Resolves with an error if a node exits while the chain should be running. */
  crashed: Promise<ChainError>;
  /** Stops every process (SIGINT, then SIGTERM, then SIGKILL). Safe to call more than once. */
  stop(): Promise<void>;
}

const MARKER = ".cairn-chain";
const STOP_TIMINGS: Record<Engine, StopTimings> = {
  poa: { intMs: 15_000, termMs: 5_000 },
  anvil: { intMs: 5_000, termMs: 3_000 },
};

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Wipe and recreate the data dir, refusing folders we did not create or that a live chain owns. */
function prepareDataDir(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new ChainError(
        `refusing to wipe ${rel(dir)}: it is not empty and was not created by scripts/chain (no ${MARKER} file)`,
      );
    }
    if (entries.includes(MARKER)) {
      const owner = Number(/pid (\d+)/.exec(readFileSync(path.join(dir, MARKER), "utf8"))?.[1]);
      if (Number.isInteger(owner) && owner !== process.pid && pidAlive(owner)) {
        throw new ChainError(
          `${rel(dir)} belongs to a chain that is still running (pid ${owner}); stop it first or use another data dir`,
        );
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, MARKER),
    `Chain data of scripts/chain (pid ${process.pid}); wiped at every start.\n`,
  );
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new UsageError(`${name} must be an integer from ${min} to ${max} (got ${v})`);
}

export async function startChain(opts: StartChainOptions = {}): Promise<RunningChain> {
  const engine = opts.engine ?? "poa";
  if (!ENGINES.includes(engine))
    throw new UsageError(`engine must be one of ${ENGINES.join(", ")} (got ${JSON.stringify(engine)})`);
  if (engine === "poa" && opts.automine === true)
    throw new UsageError("automine applies to the anvil engine only (Clique seals every period)");
  const rpcPort = opts.rpcPort ?? 8545;
  const p2pPort = opts.p2pPort ?? 30303;
  const dataDir = path.resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const log = opts.log ?? (() => {});
  if (!validPort(rpcPort)) throw new UsageError(`RPC port must be from 1 to 65535 (got ${rpcPort})`);
  if (!validPort(p2pPort)) throw new UsageError(`p2p port must be from 1 to 65535 (got ${p2pPort})`);

  const source = loadGenesis(opts.genesisFile ?? GENESIS_FILE, engine === "poa" ? "clique" : undefined);
  const chainId = source.config.chainId;

  let sealerCount = 1;
  let genesisFile = path.resolve(opts.genesisFile ?? GENESIS_FILE);
  const accounts = engine === "poa" ? loadDevAccounts(opts.accountsFile ?? DEV_ACCOUNTS_FILE) : undefined;
  const sealerAccounts = accounts === undefined ? [] : devSealers(accounts.accounts);
  if (engine === "poa") {
    sealerCount = opts.sealers ?? 1;
    if (sealerAccounts.length === 0)
      throw new ChainError(`no sealerN accounts in ${rel(opts.accountsFile ?? DEV_ACCOUNTS_FILE)}`);
    checkInt("sealers", sealerCount, 1, sealerAccounts.length);
    if (rpcPort + sealerCount - 1 > 65535 || p2pPort + sealerCount - 1 > 65535)
      throw new UsageError("ports out of range for that many sealers");
    try {
      checkEthereumjsPatch();
    } catch (err) {
      if (err instanceof PatchError) throw new ChainError(err.message.split("\n")[0] ?? err.message);
      throw err;
    }
  } else if (opts.sealers !== undefined && opts.sealers !== 1) {
    throw new UsageError("sealers applies to the poa engine only (anvil seals by itself)");
  }

  const needs: PortNeed[] = [];
  for (let i = 0; i < sealerCount; i++) {
    const who = engine === "poa" ? `sealer${i + 1}` : "anvil";
    needs.push({ port: rpcPort + i, what: `RPC of ${who}` });
    if (engine === "poa") needs.push({ port: p2pPort + i, what: `p2p of ${who}`, udp: true });
  }
  await assertPortsFree(needs);

  prepareDataDir(dataDir);
  const timeoutMs = opts.timeoutMs ?? (engine === "poa" ? 60_000 + 30_000 * (sealerCount - 1) : 30_000);
  const timeoutLabel = `${Math.round(timeoutMs / 1000)}s`;
  const deadline = Date.now() + timeoutMs;
  const procs: ManagedProcess[] = [];
  const onSpawn = (p: ManagedProcess): void => {
    procs.push(p);
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= Promise.all(procs.map((p) => stopProcess(p, STOP_TIMINGS[engine]))).then(() => {});
    return stopping;
  };

  try {
    let nodes: ChainNode[];
    if (engine === "poa") {
      const sealers = sealerAccounts.slice(0, sealerCount);
      // Clique fixes the initial signers in the genesis extraData: derive one naming exactly these.
      const derived = withCliqueSigners(
        source,
        sealers.map((s) => s.address),
      );
      genesisFile = path.join(dataDir, "cairn-genesis.json");
      writeGenesis(derived, genesisFile);
      const started = await startPoaNodes({
        genesisFile,
        sealers,
        rpcPort,
        p2pPort,
        dataDir,
        deadline,
        timeoutLabel,
        onSpawn,
        log,
      });
      nodes = started.map((n) => ({
        name: n.name,
        rpcUrl: n.rpcUrl,
        signer: n.signer,
        logFile: n.logFile,
        pid: n.process.pid,
      }));
    } else {
      const a = await startAnvil({
        genesisFile,
        chainId,
        blockTime: opts.automine === true ? "automine" : (source.config.clique?.period ?? 2),
        rpcPort,
        dataDir,
        deadline,
        timeoutLabel,
        onSpawn,
        log,
      });
      nodes = [{ name: a.name, rpcUrl: a.rpcUrl, logFile: a.logFile, pid: a.process.pid }];
    }

    // Ready = every node answers with the genesis chainId and has reached the target height.
    for (const n of nodes) {
      const id = await tryRpc<string>(n.rpcUrl, "eth_chainId");
      if (id === undefined || Number(BigInt(id)) !== chainId) {
        throw new ChainError(
          `${n.name} reports chainId ${id === undefined ? "nothing" : Number(BigInt(id))}, expected ${chainId}; see ${rel(n.logFile)}`,
          n.logFile,
        );
      }
    }
    // An automining anvil makes no block until it gets a transaction: genesis is enough.
    const target = engine === "poa" ? Math.max(2, sealerCount + 1) : opts.automine === true ? 0 : 1;
    log(`waiting for block ${target} on ${nodes.map((n) => n.name).join(", ")}`);
    for (;;) {
      const dead = procs.find((p) => p.exitInfo !== undefined);
      if (dead !== undefined)
        throw new ChainError(`${dead.name} exited while starting; see ${rel(dead.logFile)}`, dead.logFile);
      const heights = await Promise.all(nodes.map((n) => blockNumber(n.rpcUrl)));
      if (heights.every((h) => h !== undefined && h >= target)) {
        // Same block at a common height on every node, or the network has split.
        const common = Math.min(...(heights as number[]));
        const hashes = await Promise.all(
          nodes.map((n) =>
            tryRpc<{ hash: string } | null>(n.rpcUrl, "eth_getBlockByNumber", [
              `0x${common.toString(16)}`,
              false,
            ]),
          ),
        );
        if (new Set(hashes.map((b) => b?.hash)).size > 1) {
          const split = nodes.map((n, i) => `${n.name} ${hashes[i]?.hash.slice(0, 10) ?? "?"}`).join(", ");
          const logs = nodes.map((n) => rel(n.logFile)).join(", ");
          throw new ChainError(
            `sealers disagree on block ${common} (${split}): the network forked; see ${logs}`,
          );
        }
        break;
      }
      if (Date.now() > deadline) {
        const slowest = nodes.map((n, i) => ({ n, h: heights[i] ?? -1 })).sort((a, b) => a.h - b.h)[0];
        const logFile = slowest?.n.logFile ?? dataDir;
        const where = nodes.map((n, i) => `${n.name} at block ${heights[i] ?? "?"}`).join(", ");
        throw new ChainError(
          `chain did not produce blocks within ${timeoutLabel} (${where}); see ${rel(logFile)}`,
          logFile,
        );
      }
      await sleep(500);
    }

    const crashed = new Promise<ChainError>((resolve) => {
      for (const p of procs) {
        void p.exited.then((info) => {
          if (p.stopping) return;
          const how = info.signal !== null ? `signal ${info.signal}` : `code ${info.code}`;
          resolve(new ChainError(`${p.name} exited unexpectedly (${how}); see ${rel(p.logFile)}`, p.logFile));
        });
      }
    });
    return {
      engine,
      chainId,
      rpcUrls: nodes.map((n) => n.rpcUrl),
      nodes,
      dataDir,
      genesisFile,
      crashed,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
