/**
 * The local Cairn stack for the browser test, started with `npm start`'s own pieces
 * (scripts/stack/): the chain from genesis/, the contracts through the deploy pipeline,
 * the local indexer, three provider nodes (`cairn start` processes with npm start's
 * provider flags, `nodeSpecs` and `startStackNode`),
 * provider2 and provider3 registered through their nodes (`registerProviders`), and the
 * dApp (`startWebServer`, `next dev` or a production build). provider1's node runs but is left unregistered:
 * the test registers it through the UI. Every service gets its own port and folder, so the
 * test runs beside a developer's `npm start`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployments } from "@cairn/node/contracts";
import { type RunningChain, startChain } from "../../../scripts/chain/start.ts";
import { deployCairn } from "../../../scripts/deploy/deploy.ts";
import { writeDeployment } from "../../../scripts/deploy/deployment-file.ts";
import { nodeSpecs } from "../../../scripts/stack/network.ts";
import { type NodeSpec, type StackNode, startStackNode, waitForPeers } from "../../../scripts/stack/nodes.ts";
import { registerProviders } from "../../../scripts/stack/providers.ts";
import { startWebServer } from "../../../scripts/stack/web.ts";
import { type LocalIndexer, startLocalIndexer } from "../support/indexer.ts";

export interface StackPorts {
  rpc: number;
  /** The chain's own p2p port (the Clique engine's). */
  p2p: number;
  indexer: number;
  /** provider<i+1>'s REST API listens on nodeApi + i. */
  nodeApi: number;
  /** provider<i+1>'s libp2p TCP on nodeP2p + 2i, WebSockets on the next port. */
  nodeP2p: number;
  web: number;
}

/** Away from `npm start`'s 8545/8000/8080+/4001+/3000. */
export const E2E_PORTS: StackPorts = {
  rpc: 18545,
  p2p: 31303,
  indexer: 18000,
  nodeApi: 18080,
  nodeP2p: 14001,
  web: 13000,
};

/** provider1 first: the bootstrap peer, and the one the test registers through the UI. */
const PROVIDERS = ["provider1", "provider2", "provider3"] as const;

export interface Stack {
  rpcUrl: string;
  graphqlUrl: string;
  /** provider1's node API (registered through the UI by the test). */
  nodeApiUrl: string;
  webUrl: string;
  /** The provider nodes, provider1 first. */
  nodes: StackNode[];
  indexer: LocalIndexer;
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

export async function startStack(
  options: {
    ports?: StackPorts;
    log?: (line: string) => void;
    /** Keep the state folder (node, indexer and dApp logs) after stop. @default CAIRN_E2E_KEEP=1 */
    keepState?: boolean;
  } = {},
): Promise<Stack> {
  const ports = options.ports ?? E2E_PORTS;
  const log = options.log ?? (() => {});
  const keepState = options.keepState ?? process.env.CAIRN_E2E_KEEP === "1";
  const stateDir = mkdtempSync(join(tmpdir(), "cairn-web-e2e-"));
  log(`state and logs in ${stateDir}`);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch((error) => log(`stop: ${String(error)}`));
    if (!keepState) rmSync(stateDir, { recursive: true, force: true });
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
    // The nodes read addresses and start blocks from a deployment file: this chain's own,
    // beside the rest of the test's state, never the devnet's deployments/98765.json.
    const deploymentFile = writeDeployment(deployment, stateDir);

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
    // The same ports scheme and role flags as `npm start` (providers sell space and take
    // open slots), on the test's own ports.
    const specs = nodeSpecs({ roles: PROVIDERS, apiPortBase: ports.nodeApi, p2pPortBase: ports.nodeP2p });
    const start = async (spec: NodeSpec, bootstrap: readonly string[]) => {
      const node = await startStackNode({
        spec,
        rpcUrl,
        deploymentFile,
        stateDir: join(stateDir, "nodes"),
        bootstrap,
        corsOrigins: [webOrigin],
      });
      stops.push(() => node.stop());
      log(`${node.name}'s node at ${node.apiUrl} (log ${node.logFile})`);
      return node;
    };
    const [first, ...rest] = specs as [NodeSpec, ...NodeSpec[]];
    const bootstrapNode = await start(first, []);
    const others = await Promise.all(rest.map((spec) => start(spec, bootstrapNode.p2p.slice(0, 1))));
    const nodes = [bootstrapNode, ...others];
    await waitForPeers(nodes, nodes.length - 1);
    await registerProviders(others, log);

    const web = await startWebServer({
      port: ports.web,
      rpcUrl,
      graphqlUrl: indexer.url,
      logDir: stateDir,
      // Its own build folder, so it never shares one with a developer's `npm start`.
      distDir: ".next-e2e",
      // `next dev` by default: it compiles each page on its first visit, which on a clean
      // checkout (CI's) is minutes quicker than a cold `next build`. It watches the whole
      // checkout, though, and while other work writes in it (tests, deploys, edits) it keeps
      // telling the pages to reload, restarting them mid-step: on a busy checkout set
      // CAIRN_WEB_E2E_BUILD=1 for a production build (its cache stays in .next-e2e/).
      production: process.env.CAIRN_WEB_E2E_BUILD === "1",
    });
    stops.push(() => web.stop());
    log(`dApp at ${web.url} (log ${web.logFile})`);

    return {
      rpcUrl,
      graphqlUrl: indexer.url,
      nodeApiUrl: bootstrapNode.apiUrl,
      webUrl: web.url,
      nodes,
      indexer,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
