/**
 * The local Cairn stack for the browser test, built from the same pieces as `npm start`
 * (scripts/stack/start.ts): the chain from genesis/, the contracts through the deploy
 * pipeline, the local indexer, provider1's node, and the dApp under `next dev`. Every
 * service gets its own port and folder, so the test runs beside a developer's `npm start`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deployments } from "@cairn/node/contracts";
import { loadConfig, type RunningNode, startCairnNode } from "../../../node/src/daemon/index.ts";
import { startChain, type RunningChain } from "../../../scripts/chain/start.ts";
import { deployCairn } from "../../../scripts/deploy/deploy.ts";
import { type LocalIndexer, startLocalIndexer } from "../support/indexer.ts";

const WEB_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface StackPorts {
  rpc: number;
  p2p: number;
  indexer: number;
  nodeApi: number;
  web: number;
}

/** Away from `npm start`'s 8545/8000/8080/3000. */
export const E2E_PORTS: StackPorts = { rpc: 18545, p2p: 31303, indexer: 18000, nodeApi: 18080, web: 13000 };

export interface Stack {
  rpcUrl: string;
  graphqlUrl: string;
  nodeApiUrl: string;
  webUrl: string;
  indexer: LocalIndexer;
  node: RunningNode;
  stop(): Promise<void>;
}

/**
 * The dApp imports addresses from the generated module. A fresh chain from genesis puts the
 * deployer's contracts at the same addresses every time; if that ever stops being true the
 * test must say so rather than drive a dApp that points elsewhere.
 */
function checkAddresses(deployed: Record<string, { address: string }>): void {
  const generated = deployments["98765"];
  for (const [name, { address }] of Object.entries(deployed)) {
    const expected = generated?.[name as keyof typeof generated]?.address;
    if (expected?.toLowerCase() !== address.toLowerCase())
      throw new Error(
        `${name} deployed at ${address}, but the generated module says ${expected}: run npm run generate`,
      );
  }
}

/**
 * On a checkout that has never deployed (a fresh clone, CI), the generated module knows no
 * devnet addresses yet, so this test's deploy writes them (deployments/98765.json and the
 * module) before the dApp starts. Otherwise it leaves them alone, so a running `npm start`
 * keeps its deployment file, and only checks they agree.
 */
const writeDeploymentFiles = deployments["98765"] === undefined;

async function waitForHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the web server exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * `next dev` by default: no build step, but it reloads the page whenever a file in the app's
 * module graph changes (for example node/src/generated/contracts.ts, which every deploy on
 * this machine rewrites). CAIRN_WEB_E2E_BUILD=1 serves a production build instead
 * (`next build` first, a few minutes on 2 cores), which nothing reloads.
 */
function startWeb(
  ports: StackPorts,
  urls: { rpcUrl: string; graphqlUrl: string },
  log: (line: string) => void,
) {
  const next = join(WEB_DIR, "node_modules", ".bin", "next");
  const env = {
    ...process.env,
    CAIRN_WEB_DIST_DIR: ".next-e2e",
    NEXT_PUBLIC_CAIRN_RPC_URL: urls.rpcUrl,
    NEXT_PUBLIC_CAIRN_SUBGRAPH_URL: urls.graphqlUrl,
    NEXT_PUBLIC_CAIRN_DEVNET: "true",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const production = process.env.CAIRN_WEB_E2E_BUILD === "1";
  if (production) {
    log("web: next build (CAIRN_WEB_E2E_BUILD=1) ...");
    const build = spawnSync(process.execPath, [next, "build"], { cwd: WEB_DIR, env, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const args = [production ? "start" : "dev", "--port", String(ports.web), "--hostname", "127.0.0.1"];
  const child = spawn(process.execPath, [next, ...args], {
    cwd: WEB_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (chunk: Buffer) => log(`web: ${chunk.toString().trimEnd()}`));
  child.stderr?.on("data", (chunk: Buffer) => log(`web: ${chunk.toString().trimEnd()}`));
  return child;
}

function stopWeb(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    // next dev forks workers: stop the whole process group it leads.
    if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
  });
}

export async function startStack(
  options: {
    ports?: StackPorts;
    log?: (line: string) => void;
    /** More of the node's command-line flags (e.g. its sales policy), by name without "--". */
    nodeFlags?: Record<string, string>;
  } = {},
): Promise<Stack> {
  const ports = options.ports ?? E2E_PORTS;
  const log = options.log ?? (() => {});
  const stateDir = mkdtempSync(join(tmpdir(), "cairn-web-e2e-"));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch((error) => log(`stop: ${String(error)}`));
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const chain: RunningChain = await startChain({
      engine: process.env.CHAIN === "poa" ? "poa" : "anvil",
      rpcPort: ports.rpc,
      p2pPort: ports.p2p,
      dataDir: join(stateDir, "chain"),
      log,
    });
    stops.push(() => chain.stop());
    const rpcUrl = chain.rpcUrls[0] ?? `http://127.0.0.1:${ports.rpc}`;

    const deployment = await deployCairn({
      rpcUrl,
      writeFiles: writeDeploymentFiles,
      deploymentId: "web-e2e",
      log,
    });
    if (!writeDeploymentFiles) checkAddresses(deployment.contracts as Record<string, { address: string }>);

    const indexer = await startLocalIndexer({
      rpcUrl,
      deployment,
      dataDir: join(stateDir, "indexer"),
      port: ports.indexer,
      host: "127.0.0.1",
      log,
    });
    stops.push(() => indexer.stop());

    const webOrigin = `http://127.0.0.1:${ports.web}`;
    const { config: nodeConfig } = loadConfig({
      env: {},
      flags: {
        "data-dir": join(stateDir, "provider1"),
        "wallet-dev-account": "provider1",
        "chain-rpc-url": rpcUrl,
        "api-port": String(ports.nodeApi),
        "api-cors-origins": webOrigin,
        "p2p-listen": "/ip4/127.0.0.1/tcp/0",
        ...options.nodeFlags,
      },
    });
    const node = await startCairnNode(nodeConfig);
    stops.push(() => node.stop());

    const web = startWeb(ports, { rpcUrl, graphqlUrl: indexer.url }, log);
    stops.push(() => stopWeb(web));
    await waitForHttp(`${webOrigin}/api/dev-accounts`, 120_000, web);

    return {
      rpcUrl,
      graphqlUrl: indexer.url,
      nodeApiUrl: node.apiUrl,
      webUrl: webOrigin,
      indexer,
      node,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
