/**
 * `npm start`: brings the local Cairn network up and keeps it up until Ctrl-C.
 *
 * Today: the chain from genesis/ (Clique PoA by default, or anvil), the contracts
 * deployed through the deploy pipeline, the local indexer running the subgraph's
 * mappings, a Cairn node (provider1's REST API over the durable store), and a summary of
 * endpoints and dev accounts. Later parts (all six providers, the client and validator
 * nodes, the dApp) join the same group of services, and Ctrl-C stops them all in reverse
 * order.
 */
import { join } from "node:path";
import { loadConfig, startCairnNode } from "../../node/src/daemon/index.ts";
import { startIndexer } from "../../subgraph/runner/indexer.ts";
import { ChainError } from "../chain/errors.ts";
import { CHAIN_OPTIONS_HELP, parseChainArgs } from "../chain/options.ts";
import { startChain } from "../chain/start.ts";
import { deployCairn } from "../deploy/deploy.ts";
import { assertPortsFree } from "../chain/ports.ts";
import { devAccounts } from "../lib/dev-accounts.ts";
import { STATE_DIR } from "../lib/paths.ts";
import { ServiceGroup } from "./service-group.ts";
import { printSummary } from "./summary.ts";

/** The local indexer's GraphQL port, as graph-node's query port. */
const INDEXER_PORT = 8000;
/** The first provider node's REST API port. */
const NODE_API_PORT = 8080;

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
      { port: NODE_API_PORT, what: "REST API of provider1's node" },
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
    console.log("starting provider1's node ...");
    const { config: nodeConfig } = loadConfig({
      env: {},
      flags: {
        "data-dir": join(STATE_DIR, "nodes", "provider1"),
        "wallet-dev-account": "provider1",
        "chain-rpc-url": rpcUrl,
        "api-port": String(NODE_API_PORT),
      },
    });
    const node = await services.add("provider1's node", () => startCairnNode(nodeConfig));

    printSummary({
      chain,
      engine: options.engine,
      deployment,
      accounts: devAccounts,
      graphqlUrl: indexer.url,
      nodes: [{ name: "provider1", apiUrl: node.apiUrl, apiTokenPath: node.apiTokenPath }],
    });
  } catch (error) {
    await services.stopAll();
    throw error;
  }
  await services.stopped;
  return Number(process.exitCode ?? 0);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    if (process.env.CAIRN_DEBUG) console.error(error);
    process.exit(error instanceof ChainError && error.name === "UsageError" ? 2 : 1);
  },
);
