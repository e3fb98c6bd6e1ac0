/**
 * `npm start`: brings the local Cairn network up and keeps it up until Ctrl-C.
 *
 * Today: the chain from genesis/ (Clique PoA by default, or anvil), the contracts
 * deployed through the deploy pipeline, the local indexer running the subgraph's
 * mappings, eight Cairn nodes (provider1..6, client1 and validator, each a `cairn start`
 * process that joins the others over libp2p, the providers registered and staked), the
 * dApp, and a summary of endpoints and dev accounts. Ctrl-C stops them all in reverse
 * order.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startIndexer } from "../../subgraph/runner/indexer.ts";
import { ChainError } from "../chain/errors.ts";
import { CHAIN_OPTIONS_HELP, parseChainArgs } from "../chain/options.ts";
import { startChain } from "../chain/start.ts";
import { deployCairn } from "../deploy/deploy.ts";
import { deploymentPath } from "../deploy/deployment-file.ts";
import { assertPortsFree } from "../chain/ports.ts";
import { devAccounts } from "../lib/dev-accounts.ts";
import { STATE_DIR } from "../lib/paths.ts";
import { type NodeSpec, type StackNode, startStackNode, waitForPeers } from "./nodes.ts";
import { registerProviders } from "./providers.ts";
import { ServiceGroup } from "./service-group.ts";
import { startWebServer } from "./web.ts";
import { printSummary } from "./summary.ts";

/** The local indexer's GraphQL port, as graph-node's query port. */
const INDEXER_PORT = 8000;
/** The dApp's port, Next's usual one. */
const WEB_PORT = 3000;
const WEB_ORIGIN = `http://127.0.0.1:${WEB_PORT}`;
/** What each role's node does besides storing and serving data. */
const ROLE_FLAGS: Record<string, readonly string[]> = {
  // Providers sell up to 8 GiB each, and take open slots and repairs.
  provider: ["--sales-space", "8GiB", "--sales-max-collateral-per-byte", "1000", "--sales-take-open-slots"],
  // The client buys, and pays for retrievals from a 1 ETH channel budget; it holds no
  // slots, so it does not prove.
  client: ["--no-market-prove", "--payments-budget", "1000000000000000000"],
  validator: ["--no-market-prove", "--validator-enabled"],
};

/** The nodes, in start order; the first is the others' bootstrap peer. */
const NODE_ROLES = [
  "provider1",
  "provider2",
  "provider3",
  "provider4",
  "provider5",
  "provider6",
  "client1",
  "validator",
];
/** Node i serves its REST API on 8080 + i, and libp2p on TCP 4001 + 2i and WebSockets 4002 + 2i. */
const NODES: NodeSpec[] = NODE_ROLES.map((role, i) => ({
  role,
  apiPort: 8080 + i,
  p2pPort: 4001 + 2 * i,
  flags: ROLE_FLAGS[role.replace(/\d+$/, "")] ?? [],
}));

const HELP = `Usage: npm start [-- options]

Starts the local Cairn network: the chain from genesis/, the contracts, and (as they land)
the nodes, the indexer and the dApp. Ctrl-C stops everything.

Options:
${CHAIN_OPTIONS_HELP}`;

async function main(): Promise<number> {
  const options = parseChainArgs(process.argv.slice(2));
  if (options === "help") {
    console.log(HELP);
    return 0;
  }
  const services = new ServiceGroup((line) => console.log(line));
  services.stopOnSignals();
  try {
    await assertPortsFree([
      { port: INDEXER_PORT, what: "GraphQL of the local indexer" },
      { port: WEB_PORT, what: "the dApp" },
      ...NODES.flatMap((spec) => [
        { port: spec.apiPort, what: `REST API of ${spec.role}'s node` },
        { port: spec.p2pPort, what: `libp2p TCP of ${spec.role}'s node` },
        { port: spec.p2pPort + 1, what: `libp2p WebSockets of ${spec.role}'s node` },
      ]),
    ]);
    console.log(`starting the ${options.engine} chain from genesis/ ...`);
    const chain = await services.add("chain", () =>
      startChain({ ...options, log: (line) => console.log(`  ${line}`) }),
    );
    chain.crashed.then((error) => {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
      void services.stopAll();
    });
    const rpcUrl = chain.rpcUrls[0];
    if (rpcUrl === undefined) throw new ChainError("the chain reported no RPC URL");

    console.log("deploying the contracts ...");
    const deployment = await deployCairn({ rpcUrl, log: (line) => console.log(`  ${line}`) });

    console.log("starting the local indexer ...");
    const indexer = await services.add("indexer", () =>
      startIndexer({
        rpcUrl,
        deployment,
        dataDir: join(STATE_DIR, "indexer"),
        port: INDEXER_PORT,
        log: (line) => console.log(`  indexer: ${line}`),
      }),
    );
    const deploymentFile = deploymentPath(deployment.chainId);
    const nodes = await startNodes(services, rpcUrl, deploymentFile);
    console.log("registering the providers ...");
    await registerProviders(nodes, (line) => console.log(`  ${line}`));
    console.log("starting the dApp (next dev; the first page compiles in a minute or so) ...");
    const web = await services.add("dApp", () =>
      startWebServer({ port: WEB_PORT, rpcUrl, graphqlUrl: indexer.url, logDir: STATE_DIR }),
    );

    printSummary({
      chain,
      engine: options.engine,
      deployment,
      accounts: devAccounts,
      graphqlUrl: indexer.url,
      webUrl: web.url,
      nodes,
    });
  } catch (error) {
    await services.stopAll();
    throw error;
  }
  await services.stopped;
  return Number(process.exitCode ?? 0);
}

/** Starts the first node, then the rest bootstrapped to it, and waits until they have met. */
async function startNodes(
  services: ServiceGroup,
  rpcUrl: string,
  deploymentFile: string,
): Promise<StackNode[]> {
  const stateDir = join(STATE_DIR, "nodes");
  // The devnet starts from genesis each time, so what the nodes remember of the last one
  // (held slots, purchases, the chain watcher's cursor) describes a chain that is gone.
  rmSync(stateDir, { recursive: true, force: true });
  const start = (spec: NodeSpec, bootstrap: readonly string[]) =>
    services.add(`${spec.role}'s node`, () =>
      startStackNode({ spec, rpcUrl, deploymentFile, stateDir, bootstrap, corsOrigins: [WEB_ORIGIN] }),
    );
  const [first, ...rest] = NODES;
  if (first === undefined) return [];
  console.log(`starting ${NODES.length} Cairn nodes (logs in ${stateDir}/<name>/node.log) ...`);
  const bootstrapNode = await start(first, []);
  const others = await Promise.all(rest.map((spec) => start(spec, bootstrapNode.p2p.slice(0, 1))));
  const nodes = [bootstrapNode, ...others];
  // Each node reaches the bootstrap peer on start and the rest through DHT queries.
  await waitForPeers(nodes, Math.min(nodes.length - 1, 3));
  console.log("  the nodes have found each other through the DHT");
  return nodes;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    if (process.env.CAIRN_DEBUG) console.error(error);
    process.exit(error instanceof ChainError && error.name === "UsageError" ? 2 : 1);
  },
);
