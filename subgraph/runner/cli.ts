/**
 * The local indexer's command line:
 *
 *   node runner/cli.ts [--rpc-url http://127.0.0.1:8545] [--deployment ../deployments/98765.json]
 *                      [--data-dir ../.cairn/indexer] [--port 8000]
 *
 * It runs until Ctrl-C. `npm run build -w @cairn/subgraph` must have built the mappings.
 * Exit codes: 0 stopped on request, 1 failed, 2 bad command line.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEPLOYMENTS_DIR, DEVNET_CHAIN_ID, REPO_DIR } from "../scripts/render-manifest.ts";
import { startIndexer } from "./indexer.ts";

const HELP = `Usage: npm run indexer -- [options]

Indexes Cairn's contracts from their deploy blocks with the subgraph's mappings and serves
graph-node's GraphQL subset. Runs until Ctrl-C.

Options:
  --rpc-url URL        the chain's JSON-RPC (default $CAIRN_RPC_URL or http://127.0.0.1:8545)
  --deployment FILE    deployments/<chainId>.json to index (default deployments/${DEVNET_CHAIN_ID}.json)
  --data-dir DIR       where the store lives; it survives restarts (default .cairn/indexer)
  --port P             GraphQL port (default $CAIRN_INDEXER_PORT or 8000)
  -h, --help           show this help`;

function usage(message: string): never {
  console.error(`indexer: ${message} (see --help)`);
  process.exit(2);
}

function readOptions() {
  try {
    return parseArgs({
      options: {
        "rpc-url": { type: "string", default: process.env.CAIRN_RPC_URL ?? "http://127.0.0.1:8545" },
        deployment: { type: "string", default: join(DEPLOYMENTS_DIR, `${DEVNET_CHAIN_ID}.json`) },
        "data-dir": { type: "string", default: join(REPO_DIR, ".cairn", "indexer") },
        port: { type: "string", default: process.env.CAIRN_INDEXER_PORT ?? "8000" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return usage((error as Error).message.split("\n")[0] ?? "bad command line");
  }
}

const values = readOptions();
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const port = /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN;
if (!(port >= 1 && port <= 65535))
  usage(`--port must be a port number from 1 to 65535, got "${values.port}"`);
if (!/^https?:\/\/[^\s]+$/.test(values["rpc-url"]))
  usage(`--rpc-url must be an http(s) URL, got "${values["rpc-url"]}"`);
if (!existsSync(values.deployment)) {
  usage(`--deployment ${values.deployment} does not exist; deploy first (npm run deploy, or npm start)`);
}

try {
  const indexer = await startIndexer({
    rpcUrl: values["rpc-url"],
    deployment: values.deployment,
    dataDir: values["data-dir"],
    port,
  });
  console.log(`GraphQL: ${indexer.url}`);
  const stop = () => {
    void indexer.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(`indexer: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  process.exit(1);
}
