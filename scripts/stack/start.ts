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
import { DEFAULT_LAYOUT, nodeSpecs, startNodes } from "./network.ts";
import { registerProviders } from "./providers.ts";
import { ServiceGroup } from "./service-group.ts";
import { removeStackFile, writeStackFile } from "./stack-file.ts";
import { startWebServer } from "./web.ts";
import { printSummary } from "./summary.ts";

/** The local indexer's GraphQL port, as graph-node's query port. */
const INDEXER_PORT = 8000;
/** The dApp's port, Next's usual one. */
const WEB_PORT = 3000;
const WEB_ORIGIN = `http://127.0.0.1:${WEB_PORT}`;
const NODES = nodeSpecs(DEFAULT_LAYOUT);
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
    const nodes = await startNodes(services, {
      specs: NODES,
      rpcUrl,
      deploymentFile: deploymentPath(deployment.chainId),
      stateDir: join(STATE_DIR, "nodes"),
      corsOrigins: [WEB_ORIGIN],
      log: (line) => console.log(line),
    });
    for (const node of nodes) {
      // A node that dies (the demo kills one on purpose) leaves the rest running.
      void node.process.exited.then((exit) => {
        if (node.process.stopping) return;
        console.log(
          `${node.name}'s node exited (${exit.signal ?? `code ${exit.code}`}); the rest of the network runs on. Restart npm start to bring it back.`,
        );
      });
    }
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
    await services.add("stack file", async () => {
      writeStackFile({
        engine: options.engine,
        chainId: deployment.chainId,
        rpcUrl,
        graphqlUrl: indexer.url,
        webUrl: web.url,
        contracts: deployment.contracts,
        nodes: nodes.map((node) => ({
          name: node.name,
          apiUrl: node.apiUrl,
          apiTokenPath: node.apiTokenPath,
          pid: node.process.pid,
          peerId: node.peerId,
          logFile: node.logFile,
        })),
      });
      return { stop: async () => removeStackFile() };
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
