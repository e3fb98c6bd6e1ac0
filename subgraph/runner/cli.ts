/**
 * The local indexer's command line:
 *
 *   node runner/cli.ts [--rpc-url http://127.0.0.1:8545] [--deployment ../deployments/98765.json]
 *                      [--data-dir ../.cairn/indexer] [--port 8000]
 *
 * It runs until Ctrl-C. `npm run build -w @cairn/subgraph` must have built the mappings.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEPLOYMENTS_DIR, DEVNET_CHAIN_ID, REPO_DIR } from "../scripts/render-manifest.ts";
import { startIndexer } from "./indexer.ts";

const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string", default: process.env.CAIRN_RPC_URL ?? "http://127.0.0.1:8545" },
    deployment: { type: "string", default: join(DEPLOYMENTS_DIR, `${DEVNET_CHAIN_ID}.json`) },
    "data-dir": { type: "string", default: join(REPO_DIR, ".cairn", "indexer") },
    port: { type: "string", default: process.env.CAIRN_INDEXER_PORT ?? "8000" },
  },
  strict: true,
});

try {
  const indexer = await startIndexer({
    rpcUrl: values["rpc-url"],
    deployment: values.deployment,
    dataDir: values["data-dir"],
    port: Number(values.port),
  });
  console.log(`GraphQL: ${indexer.url}`);
  const stop = () => {
    void indexer.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(`indexer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
