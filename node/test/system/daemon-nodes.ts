/**
 * Whole Cairn nodes for the system tests: the daemon (`startCairnNode`, what `cairn start`
 * runs) with its real stores in a temp folder, libp2p on loopback and its chain link to a
 * test devnet, configured through `loadConfig` flags as an operator would. The devnet's
 * contracts reach the node through a deployments/<chainId>.json file (`chain.deploymentFile`),
 * as `npm run deploy` writes it.
 *
 *   const deployment = writeDeploymentFile(devnet, dir);
 *   const node = await startDaemon(devnet, "provider1", dir, { deployment, flags: { "sales-space": "1GiB" } });
 *   node.apiUrl; node.node.metrics; node.node.metadata.database;
 *   await node.stop();
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type NodeConfig } from "../../src/config/index.ts";
import { type RunningNode, startCairnNode } from "../../src/daemon/index.ts";
import type { Registry } from "../../src/metrics/index.ts";
import { captureLogger, metricValue } from "../chain/helpers.ts";
import type { Devnet } from "../helpers/devnet.ts";

export const API_TOKEN = "system-test-token-0123456789abcdef";
export const AUTH = { authorization: `Bearer ${API_TOKEN}` };

/** Writes the devnet's contracts as `npm run deploy` does, and returns the file's path. */
export function writeDeploymentFile(devnet: Devnet, dir: string): string {
  const file = join(dir, `deployment-${devnet.chain.id}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      chainId: devnet.chain.id,
      contracts: Object.fromEntries(
        Object.entries(devnet.contracts).map(([name, c]) => [
          name,
          { address: c.address, blockNumber: c.blockNumber },
        ]),
      ),
    }),
  );
  return file;
}

export interface DaemonNode extends RunningNode {
  role: string;
  dataDir: string;
  config: NodeConfig;
  /** The node's JSON log lines (info and up). */
  lines: string[];
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/**
 * Starts the daemon of dev account `role` in `<dir>/<role>`. `apiPort` 0 (default) picks a
 * free port; a provider that must publish its API URL before it starts passes one.
 */
export async function startDaemon(
  devnet: Devnet,
  role: string,
  dir: string,
  {
    deployment,
    apiPort = 0,
    flags = {},
  }: { deployment: string; apiPort?: number; flags?: Record<string, string> },
): Promise<DaemonNode> {
  const dataDir = join(dir, role);
  mkdirSync(dataDir, { recursive: true });
  const { config: loaded } = loadConfig({
    env: {},
    flags: {
      "data-dir": dataDir,
      "wallet-dev-account": role,
      "api-token": API_TOKEN,
      "chain-rpc-url": devnet.rpcUrl,
      "chain-id": String(devnet.chain.id),
      "chain-deployment-file": deployment,
      // One free loopback port: test files run in parallel.
      "p2p-listen": "/ip4/127.0.0.1/tcp/0",
      "log-format": "json",
      ...flags,
    },
  });
  const config = { ...loaded, api: { ...loaded.api, port: apiPort } } as NodeConfig;
  const { logger, lines } = captureLogger(`node:${role}`, "info");
  const running = await startCairnNode(config, { configureLogging: false, logger, stripeWorkers: 1 });
  const metrics: Registry = running.node.metrics;
  return {
    ...running,
    role,
    dataDir,
    config,
    lines,
    metric: (name, labels) => metricValue(metrics, name, labels),
  };
}

/** The log lines at `level` (JSON lines from `captureLogger`), parsed. */
export function linesAt(lines: readonly string[], level: string): Array<Record<string, unknown>> {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.level === level);
}
