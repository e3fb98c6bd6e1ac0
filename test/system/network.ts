/**
 * A whole local network for the system tests, built from the same parts as `npm start`:
 * anvil from genesis/, the contracts deployed through the deploy pipeline, and Cairn
 * nodes as separate `cairn start` processes (scripts/stack) that meet over libp2p, the
 * providers registered and staked through their own REST APIs.
 *
 * Time runs faster than on the devnet so that whole deal lifecycles fit in a test: a
 * block every `blockMs` (instead of 2 s), each 1 s of chain time after its parent, so a
 * 15-block period takes 15 × blockMs of wall time. Everything the nodes do is still real:
 * they read the chain, send transactions and talk to each other as they would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestClient, http, publicActions } from "viem";
import { startIndexer } from "../../subgraph/runner/indexer.ts";
import { assertPortsFree } from "../../scripts/chain/ports.ts";
import { type RunningChain, startChain } from "../../scripts/chain/start.ts";
import { deployCairn } from "../../scripts/deploy/deploy.ts";
import { type DeploymentFile, writeDeployment } from "../../scripts/deploy/deployment-file.ts";
import { type StackNode, startStackNode } from "../../scripts/stack/nodes.ts";
import { DEFAULT_NODE_ROLES, nodeSpecs, startNodes } from "../../scripts/stack/network.ts";
import { registerProviders } from "../../scripts/stack/providers.ts";
import { ServiceGroup } from "../../scripts/stack/service-group.ts";
import type { StackFile } from "../../scripts/stack/stack-file.ts";

export interface SystemNetworkOptions {
  roles?: readonly string[];
  /** REST ports from here up; libp2p from p2pPortBase up. Each test file takes its own range. */
  apiPortBase: number;
  p2pPortBase: number;
  /** Wall-clock ms between blocks. @default 400 */
  blockMs?: number;
  /** Run the local indexer (subgraph/runner) too, on apiPortBase - 2. @default false */
  indexer?: boolean;
  /** More `cairn start` flags for some nodes, by name (`provider1`). */
  extraFlags?: Readonly<Record<string, readonly string[]>>;
}

export interface SystemNetwork {
  rpcUrl: string;
  deployment: DeploymentFile;
  nodes: StackNode[];
  /** The network as `npm start`'s stack file describes it, for the demo's code. */
  stack: StackFile;
  node(name: string): StackNode;
  /** Stops block production (a chain halted) until `resumeBlocks`. */
  holdBlocks(): Promise<void>;
  resumeBlocks(): void;
  /** Moves chain time on by `seconds` in one block. */
  increaseTime(seconds: number): Promise<void>;
  /** SIGKILLs a node's process group, as a crash or `kill -9` would. */
  kill(name: string): Promise<void>;
  /** Stops a node cleanly (SIGINT). */
  stopNode(name: string): Promise<void>;
  /** Starts a stopped or killed node again on its own data folder. */
  restart(name: string): Promise<StackNode>;
  stop(): Promise<void>;
}

function blockTicker(mine: () => Promise<unknown>, ms: number) {
  let held = false;
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      if (!held) await mine().catch(() => {});
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, ms);
      });
    }
  })();
  return {
    /** Resolves once no block is being mined. */
    async hold() {
      held = true;
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    resume() {
      held = false;
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}

export async function startSystemNetwork(options: SystemNetworkOptions): Promise<SystemNetwork> {
  const roles = options.roles ?? DEFAULT_NODE_ROLES;
  const specs = nodeSpecs({ roles, apiPortBase: options.apiPortBase, p2pPortBase: options.p2pPortBase }).map(
    (spec) => ({ ...spec, flags: [...spec.flags, ...(options.extraFlags?.[spec.role] ?? [])] }),
  );
  const rpcPort = options.apiPortBase - 1;
  await assertPortsFree([
    { port: rpcPort, what: "the test chain's RPC" },
    ...(options.indexer ? [{ port: options.apiPortBase - 2, what: "the test indexer's GraphQL" }] : []),
    ...specs.flatMap((spec) => [
      { port: spec.apiPort, what: `${spec.role}'s REST API` },
      { port: spec.p2pPort, what: `${spec.role}'s libp2p TCP` },
      { port: spec.p2pPort + 1, what: `${spec.role}'s libp2p WebSockets` },
    ]),
  ]);
  const folder = mkdtempSync(join(tmpdir(), "cairn-system-"));
  const services = new ServiceGroup(() => {});
  let chain: RunningChain | undefined;
  let ticker: ReturnType<typeof blockTicker> | undefined;
  try {
    chain = await services.add("chain", () =>
      startChain({ engine: "anvil", rpcPort, dataDir: join(folder, "chain") }),
    );
    const rpcUrl = chain.rpcUrls[0] as string;
    const deployment = await deployCairn({ rpcUrl, writeFiles: false, deploymentId: `system-${rpcPort}` });
    const deploymentFile = writeDeployment(deployment, join(folder, "deployments"));
    const indexer = options.indexer
      ? await services.add("indexer", () =>
          startIndexer({
            rpcUrl,
            deployment,
            dataDir: join(folder, "indexer"),
            port: options.apiPortBase - 2,
          }),
        )
      : undefined;

    const testClient = createTestClient({ mode: "anvil", transport: http(rpcUrl) }).extend(publicActions);
    // From here, blocks come only from the ticker, each a second of chain time after the last.
    await testClient.setIntervalMining({ interval: 0 });
    await testClient.setAutomine(false);
    await testClient.setBlockTimestampInterval({ interval: 1 });
    const blocks = blockTicker(() => testClient.mine({ blocks: 1 }), options.blockMs ?? 400);
    ticker = blocks;

    const nodes = await startNodes(services, {
      specs,
      rpcUrl,
      deploymentFile,
      stateDir: join(folder, "nodes"),
      corsOrigins: [],
      log: () => {},
    });
    await registerProviders(nodes, () => {});
    const increaseTime = async (seconds: number) => {
      // evm_increaseTime does not move a chain with a block timestamp interval; setting the
      // next block's timestamp does, and the interval carries on from there.
      const { timestamp } = await testClient.getBlock();
      await testClient.setNextBlockTimestamp({ timestamp: timestamp + BigInt(seconds) });
      await testClient.mine({ blocks: 1 });
    };
    // Past the registry's activation delay, so the providers can take slots at once.
    await increaseTime(61);

    const byName = new Map(nodes.map((node) => [node.name, node]));
    const node = (name: string) => {
      const found = byName.get(name);
      if (found === undefined) throw new Error(`no node named ${name}`);
      return found;
    };
    const stack: StackFile = {
      engine: "anvil",
      chainId: deployment.chainId,
      rpcUrl,
      graphqlUrl: indexer?.url ?? "",
      contracts: deployment.contracts,
      nodes: nodes.map((n) => ({
        name: n.name,
        apiUrl: n.apiUrl,
        apiTokenPath: n.apiTokenPath,
        pid: n.process.pid,
        peerId: n.peerId,
        logFile: n.logFile,
      })),
    };
    const chainToStop = chain;
    return {
      rpcUrl,
      deployment,
      nodes,
      stack,
      node,
      holdBlocks: () => blocks.hold(),
      resumeBlocks: () => blocks.resume(),
      increaseTime,
      async kill(name) {
        const target = node(name);
        process.kill(-target.process.pid, "SIGKILL");
        await target.process.exited;
      },
      stopNode: (name) => node(name).stop(),
      async restart(name) {
        const old = node(name);
        if (old.process.exitInfo === undefined) await old.stop();
        const fresh = await services.add(`${name}'s node`, () => startStackNode(old.options));
        byName.set(name, fresh);
        nodes[nodes.indexOf(old)] = fresh;
        return fresh;
      },
      async stop() {
        await blocks.stop();
        await services.stopAll();
        await chainToStop.stop().catch(() => {});
        // CAIRN_DEBUG keeps the nodes' logs and data for a look after a failure.
        if (process.env.CAIRN_DEBUG) console.log(`system network kept in ${folder}`);
        else rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await ticker?.stop();
    await services.stopAll();
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}
