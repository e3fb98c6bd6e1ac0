/**
 * The Cairn nodes of the local network, each a `cairn start` child process with its own
 * data folder, REST port and libp2p ports, signing with its genesis dev account. The
 * first node is the network's bootstrap peer: the others dial it on start, and from
 * there find each other through the DHT.
 *
 * Separate processes, not nodes in this process: a node can then be killed on its own
 * (the demo and the fault tests do), and one node's crash does not take the others down.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { NODE_FLAGS } from "../../node/bin/node-flags.ts";
import { build, stale } from "../../node/scripts/build.ts";
import { REPO_ROOT } from "../chain/paths.ts";
import { spawnLogged, stopProcess, type ManagedProcess } from "../chain/proc.ts";
import { ChainError } from "../chain/errors.ts";
import { sleep } from "../chain/rpc.ts";

/** The compiled node (node/scripts/build.ts says why), built on first use when stale. */
const CAIRN_BIN = join(REPO_ROOT, "node", "dist", "bin", "cairn.js");
let nodeBuilt = false;
/** How long a node may take to answer its REST API after it is spawned. */
const START_TIMEOUT_MS = 60_000;
/** A node stops its API, network and stores on SIGINT; give it that long before SIGTERM. */
const STOP_TIMINGS = { intMs: 10_000, termMs: 5_000 };

export interface NodeSpec {
  /** The dev account role the node signs with, and its name: provider1, client1, validator. */
  role: string;
  apiPort: number;
  /** libp2p TCP port; WebSockets listens on the next one. */
  p2pPort: number;
  /** Flags for the node's role (`--sales-space`, `--validator-enabled`, ...). */
  flags: readonly string[];
}

export interface StackNode {
  name: string;
  apiUrl: string;
  apiTokenPath: string;
  peerId: string;
  /** Multiaddrs that end in /p2p/<peerId>. */
  p2p: string[];
  logFile: string;
  process: ManagedProcess;
  /** What it was started with: `startStackNode(node.options)` starts it again on the same data. */
  options: StartNodeOptions;
  stop(): Promise<void>;
}

interface NodeInfo {
  peerId?: string;
  addresses: { api: string; p2p?: string[] };
}

/** Polls the node's info until it answers, or fails with its log file named. */
async function waitForInfo(apiUrl: string, proc: ManagedProcess): Promise<NodeInfo> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitInfo !== undefined) {
      throw new ChainError(
        `${proc.name} exited during start-up (code ${proc.exitInfo.code}); see ${proc.logFile}`,
      );
    }
    try {
      const response = await fetch(`${apiUrl}/api/v1/info`);
      if (response.ok) return (await response.json()) as NodeInfo;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new ChainError(
    `${proc.name} did not answer on ${apiUrl} within ${START_TIMEOUT_MS / 1000} s; see ${proc.logFile}`,
  );
}

export interface StartNodeOptions {
  spec: NodeSpec;
  rpcUrl: string;
  /** deployments/<chainId>.json, written by the deploy step just before. */
  deploymentFile: string;
  /** Parent of every node's data folder. */
  stateDir: string;
  /** Peers to dial on start (empty for the first node). */
  bootstrap: readonly string[];
  /** Browser origins allowed to call the REST API (the dApp's). */
  corsOrigins: readonly string[];
}

export async function startStackNode(options: StartNodeOptions): Promise<StackNode> {
  if (!nodeBuilt) {
    // Synchronous, so nodes started together build it once; a few seconds when stale.
    if (stale()) build();
    nodeBuilt = true;
  }
  const { spec } = options;
  const dataDir = join(options.stateDir, spec.role);
  mkdirSync(dataDir, { recursive: true });
  const apiUrl = `http://127.0.0.1:${spec.apiPort}`;
  const args = [
    ...NODE_FLAGS,
    CAIRN_BIN,
    "start",
    "--data-dir",
    dataDir,
    "--wallet-dev-account",
    spec.role,
    "--chain-rpc-url",
    options.rpcUrl,
    "--chain-deployment-file",
    options.deploymentFile,
    "--api-port",
    String(spec.apiPort),
    "--p2p-listen",
    `/ip4/127.0.0.1/tcp/${spec.p2pPort},/ip4/127.0.0.1/tcp/${spec.p2pPort + 1}/ws`,
    "--log-format",
    "json",
  ];
  args.push(...spec.flags);
  if (options.bootstrap.length > 0) args.push("--p2p-bootstrap", options.bootstrap.join(","));
  if (options.corsOrigins.length > 0) args.push("--api-cors-origins", options.corsOrigins.join(","));
  const proc = spawnLogged(spec.role, process.execPath, args, {
    logFile: join(dataDir, "node.log"),
    cwd: REPO_ROOT,
    // The node's own config file and environment must not leak in from the user's shell.
    env: { PATH: process.env.PATH ?? "", HOME: dataDir },
  });
  try {
    const info = await waitForInfo(apiUrl, proc);
    if (info.peerId === undefined || info.addresses.p2p === undefined) {
      throw new ChainError(`${spec.role} started without libp2p; see ${proc.logFile}`);
    }
    return {
      name: spec.role,
      apiUrl,
      apiTokenPath: join(dataDir, "api-token"),
      peerId: info.peerId,
      p2p: info.addresses.p2p,
      logFile: proc.logFile,
      process: proc,
      options,
      stop: () => stopProcess(proc, STOP_TIMINGS),
    };
  } catch (error) {
    await stopProcess(proc, STOP_TIMINGS);
    throw error;
  }
}

/**
 * Waits until every node has at least `min` peers (the DHT has joined them up). The
 * default timeout outlasts the nodes' own lookups after joining (the last is 90 s after
 * the first peer; see node/src/network/dht-rejoin.ts).
 */
export async function waitForPeers(
  nodes: readonly StackNode[],
  min: number,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    for (;;) {
      const response = await fetch(`${node.apiUrl}/api/v1/peers`);
      const { peers } = (await response.json()) as { peers: { peerId: string }[] };
      const seen = new Set(peers.map((p) => p.peerId));
      if (seen.size >= min) break;
      if (Date.now() > deadline) {
        const missing = nodes.filter((other) => other !== node && !seen.has(other.peerId)).map((n) => n.name);
        throw new ChainError(
          `${node.name} has ${seen.size} peers after ${timeoutMs / 1000} s (wanted ${min}; not connected to ${missing.join(", ") || "none of the others"}); see ${node.logFile}`,
        );
      }
      await sleep(250);
    }
  }
}
