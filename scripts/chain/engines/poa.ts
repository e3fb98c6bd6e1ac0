// Clique PoA sealers: one @ethereumjs/client process per sealer, peered over loopback.
//
// Start-up order matters, because @ethereumjs/client 0.10.5 does not reorg onto a competing
// Clique branch: two sealers that each seal their own block at the same height stay split.
// So the sealers that join (sealer2..N) start first, without --isSingleNode: they peer with
// each other and, thanks to edit 5 of patch-ethereumjs.mjs, do not seal while unsynchronized.
// Sealer 1 starts last with --isSingleNode and --bootnodes naming all of them, seals block 1,
// and the others import it and join in. Nobody has sealed a block of their own before that.
//
// Layout per sealer under the data dir:
//   sealerN/sealer.key   the sealer's private key (hex, no 0x), read by --unlock
//   sealerN/sealer.log   the client's stdout/stderr (info level)
//   sealerN/data/        the client's database
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DevAccount, Hex } from "../../lib/dev-accounts.ts";
import { ChainError } from "../errors.ts";
import { ethereumjsCli, rel } from "../paths.ts";
import { spawnLogged, type ManagedProcess } from "../proc.ts";
import { sleep, tryRpc } from "../rpc.ts";

export interface PoaNode {
  name: string;
  signer: Hex;
  rpcUrl: string;
  rpcPort: number;
  p2pPort: number;
  enode: string;
  logFile: string;
  process: ManagedProcess;
}

export interface StartPoaOptions {
  genesisFile: string;
  sealers: DevAccount[];
  rpcPort: number;
  p2pPort: number;
  dataDir: string;
  /** Epoch ms after which start-up counts as failed. */
  deadline: number;
  timeoutLabel: string;
  /** Called as soon as a process is spawned, so the caller can stop it if start-up fails. */
  onSpawn: (p: ManagedProcess) => void;
  log: (line: string) => void;
}

/** Poll `check` until it returns a value; fail on deadline or if the process exits. */
export async function waitFor<T>(
  what: string,
  proc: ManagedProcess,
  deadline: number,
  timeoutLabel: string,
  check: () => Promise<T | undefined>,
): Promise<T> {
  for (;;) {
    if (proc.exitInfo !== undefined) {
      const how =
        proc.exitInfo.signal !== null ? `signal ${proc.exitInfo.signal}` : `code ${proc.exitInfo.code}`;
      throw new ChainError(
        `${proc.name} exited (${how}) while starting; see ${rel(proc.logFile)}`,
        proc.logFile,
      );
    }
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new ChainError(`${what} within ${timeoutLabel}; see ${rel(proc.logFile)}`, proc.logFile);
    await sleep(300);
  }
}

export async function startPoaNodes(opts: StartPoaOptions): Promise<PoaNode[]> {
  const cli = ethereumjsCli();
  const count = opts.sealers.length;
  // Joiners first (sealer2..N), the single-node sealer1 last. See the top of this file.
  const order = count === 1 ? [0] : [...Array.from({ length: count - 1 }, (_, k) => k + 1), 0];
  const nodes: PoaNode[] = [];
  for (const i of order) {
    const sealer = opts.sealers[i];
    if (sealer === undefined) continue;
    const name = `sealer${i + 1}`;
    const dir = path.join(opts.dataDir, name);
    mkdirSync(dir, { recursive: true });
    const keyFile = path.join(dir, "sealer.key");
    writeFileSync(keyFile, sealer.privateKey.slice(2), { mode: 0o600 });
    const rpcPort = opts.rpcPort + i;
    const p2pPort = opts.p2pPort + i;
    const rpcUrl = `http://127.0.0.1:${rpcPort}`;
    const args = [
      cli,
      "--gethGenesis",
      opts.genesisFile,
      "--dataDir",
      path.join(dir, "data"),
      "--port",
      String(p2pPort),
      "--extIP",
      "127.0.0.1",
      "--rpc",
      "--rpcAddr",
      "127.0.0.1",
      "--rpcPort",
      String(rpcPort),
      "--mine",
      "--unlock",
      keyFile,
      "--logLevel",
      "info",
      // stdout goes to sealer.log. Not "--logFile false": the client takes that as a file name
      // ("false") and writes a debug log into its working directory.
      "--no-logFile",
    ];
    if (i === 0) args.push("--isSingleNode"); // may seal without peers: it seals block 1
    if (nodes.length > 0) args.push("--bootnodes", nodes.map((n) => n.enode).join(","));

    const proc = spawnLogged(name, process.execPath, args, {
      logFile: path.join(dir, "sealer.log"),
      cwd: dir,
    });
    opts.onSpawn(proc);
    opts.log(`started ${name} (pid ${proc.pid}) sealing as ${sealer.address}, RPC ${rpcUrl}, p2p ${p2pPort}`);

    const info = await waitFor(
      `${name} RPC did not answer on ${rpcUrl}`,
      proc,
      opts.deadline,
      opts.timeoutLabel,
      () => tryRpc<{ enode?: string }>(rpcUrl, "admin_nodeInfo"),
    );
    if (typeof info.enode !== "string")
      throw new ChainError(`${name} reported no enode; see ${rel(proc.logFile)}`, proc.logFile);
    const enode = info.enode.replace("@0.0.0.0:", "@127.0.0.1:");
    nodes.push({
      name,
      signer: sealer.address,
      rpcUrl,
      rpcPort,
      p2pPort,
      enode,
      logFile: proc.logFile,
      process: proc,
    });
  }
  // Report them in sealer order.
  return nodes.sort((a, b) => a.rpcPort - b.rpcPort);
}
