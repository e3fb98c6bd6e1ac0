// anvil from the genesis: it takes the alloc, chainId and timestamp but ignores Clique
// (it seals every --block-time seconds by itself). A quick local chain, not the real engine.
//
//   anvil --init <genesis> --chain-id 98765 --block-time 2 --hardfork london --port <p>
//
// Without --block-time (the automine option), anvil mines a block for each transaction.
//
// --accounts 0: anvil would otherwise add its ten well-known mnemonic accounts on top of the
// genesis alloc; the devnet's accounts are the ones in genesis/dev-accounts.json.
import path from "node:path";
import { anvilBinary } from "../paths.ts";
import { spawnLogged, type ManagedProcess } from "../proc.ts";
import { tryRpc } from "../rpc.ts";
import { waitFor } from "./poa.ts";

export interface AnvilNode {
  name: string;
  rpcUrl: string;
  rpcPort: number;
  logFile: string;
  process: ManagedProcess;
}

export interface StartAnvilOptions {
  genesisFile: string;
  chainId: number;
  /** Seconds between blocks, or "automine": a block per transaction. */
  blockTime: number | "automine";
  rpcPort: number;
  dataDir: string;
  deadline: number;
  timeoutLabel: string;
  onSpawn: (p: ManagedProcess) => void;
  log: (line: string) => void;
}

export async function startAnvil(opts: StartAnvilOptions): Promise<AnvilNode> {
  const rpcUrl = `http://127.0.0.1:${opts.rpcPort}`;
  const args = [
    "--init",
    opts.genesisFile,
    "--chain-id",
    String(opts.chainId),
    ...(opts.blockTime === "automine" ? [] : ["--block-time", String(opts.blockTime)]),
    "--hardfork",
    "london",
    "--host",
    "127.0.0.1",
    "--port",
    String(opts.rpcPort),
    "--accounts",
    "0",
  ];
  const proc = spawnLogged("anvil", anvilBinary(), args, {
    logFile: path.join(opts.dataDir, "anvil.log"),
    cwd: opts.dataDir,
  });
  opts.onSpawn(proc);
  opts.log(`started anvil (pid ${proc.pid}), RPC ${rpcUrl}`);
  await waitFor(`anvil RPC did not answer on ${rpcUrl}`, proc, opts.deadline, opts.timeoutLabel, () =>
    tryRpc<string>(rpcUrl, "eth_chainId"),
  );
  return { name: "anvil", rpcUrl, rpcPort: opts.rpcPort, logFile: proc.logFile, process: proc };
}
