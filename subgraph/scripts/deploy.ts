/**
 * Deploys the subgraph to a graph-node, or to Subgraph Studio, for a deployment file.
 *
 *   graph-node:  node scripts/deploy.ts --deployment ../deployments/<chainId>.json \
 *                  [--node http://127.0.0.1:8020] [--ipfs http://127.0.0.1:5001] [--name cairn] \
 *                  [--network <graph-node's chain name>] [--version-label v0.1.0]
 *   Studio:      node scripts/deploy.ts --deployment ../deployments/<chainId>.json \
 *                  --studio <slug> --deploy-key <key> --network <Studio's network name> --version-label v0.1.0
 *
 * It renders subgraph.yaml for the deployment, regenerates the types, builds, and runs
 * `graph create` (graph-node, once per name) and `graph deploy`. Nothing here can run in
 * CI: it needs a graph-node with IPFS and an archive of the chain, or a Studio key.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { SUBGRAPH_DIR } from "./render-manifest.ts";

const { values } = parseArgs({
  options: {
    deployment: { type: "string" },
    network: { type: "string" },
    node: { type: "string", default: process.env.GRAPH_NODE_ADMIN_URL ?? "http://127.0.0.1:8020" },
    ipfs: { type: "string", default: process.env.GRAPH_IPFS_URL ?? "http://127.0.0.1:5001" },
    name: { type: "string", default: "cairn" },
    studio: { type: "string" },
    "deploy-key": { type: "string", default: process.env.GRAPH_DEPLOY_KEY },
    "version-label": { type: "string", default: "v0.1.0" },
  },
  strict: true,
});

function run(command: string, args: string[], options: { allowFailure?: boolean } = {}): number {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: SUBGRAPH_DIR, stdio: "inherit" });
  const status = result.status ?? 1;
  if (status !== 0 && options.allowFailure !== true) {
    console.error(`${command} ${args[0] ?? ""} failed (exit ${status})`);
    process.exit(status);
  }
  return status;
}

if (values.deployment === undefined) {
  console.error("--deployment <deployments/<chainId>.json> is required: it names the contracts to index");
  process.exit(2);
}
const render = ["scripts/render-manifest.ts", "--deployment", values.deployment];
if (values.network !== undefined) render.push("--network", values.network);
run("node", render);
run("npx", ["graph", "codegen", "subgraph.yaml", "--output-dir", "generated"]);
run("npx", ["graph", "build", "subgraph.yaml", "--output-dir", "build"]);

const label = ["--version-label", values["version-label"]];
if (values.studio !== undefined) {
  if (values["deploy-key"] === undefined) {
    console.error("--deploy-key (or GRAPH_DEPLOY_KEY) is required for Subgraph Studio");
    process.exit(2);
  }
  run("npx", [
    "graph",
    "deploy",
    values.studio,
    "subgraph.yaml",
    "--deploy-key",
    values["deploy-key"],
    ...label,
  ]);
} else {
  // `graph create` fails when the name exists already, which is fine on a redeploy.
  run("npx", ["graph", "create", values.name, "--node", values.node], { allowFailure: true });
  run("npx", [
    "graph",
    "deploy",
    values.name,
    "subgraph.yaml",
    "--node",
    values.node,
    "--ipfs",
    values.ipfs,
    ...label,
  ]);
}
