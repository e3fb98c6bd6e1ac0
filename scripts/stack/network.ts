/**
 * The local network's Cairn nodes as a whole: which roles run, which ports each takes,
 * what each role's flags are, and starting them so that they find each other. `npm start`
 * runs the default layout; the system tests run the same nodes on other ports.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type NodeSpec, type StackNode, startStackNode, waitForPeers } from "./nodes.ts";
import type { ServiceGroup } from "./service-group.ts";

/** What each role's node does besides storing and serving data. */
export const ROLE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  // Providers sell up to 8 GiB each, and take open slots and repairs. They pay (0.1 ETH of
  // channels at most) for the manifests of the datasets they hold slots of, which they
  // fetch from the client's node or from each other.
  provider: [
    "--sales-space",
    "8GiB",
    "--sales-max-collateral-per-byte",
    "1000",
    "--sales-take-open-slots",
    "--payments-budget",
    "100000000000000000",
  ],
  // The client buys, and pays for retrievals from a 1 ETH channel budget; it holds no
  // slots, so it does not prove.
  client: ["--no-market-prove", "--payments-budget", "1000000000000000000"],
  validator: ["--no-market-prove", "--validator-enabled"],
};

/** The nodes `npm start` runs, in start order; the first is the others' bootstrap peer. */
export const DEFAULT_NODE_ROLES: readonly string[] = [
  "provider1",
  "provider2",
  "provider3",
  "provider4",
  "provider5",
  "provider6",
  "client1",
  "validator",
];

export interface NodeLayout {
  roles: readonly string[];
  /** Node i serves its REST API on apiPortBase + i. */
  apiPortBase: number;
  /** Node i listens for libp2p on TCP p2pPortBase + 2i and WebSockets p2pPortBase + 2i + 1. */
  p2pPortBase: number;
}

export const DEFAULT_LAYOUT: NodeLayout = { roles: DEFAULT_NODE_ROLES, apiPortBase: 8080, p2pPortBase: 4001 };

/** The role of a dev account name: provider3 → provider. */
export function roleOf(name: string): string {
  return name.replace(/\d+$/, "");
}

export function nodeSpecs(layout: NodeLayout): NodeSpec[] {
  return layout.roles.map((role, i) => ({
    role,
    apiPort: layout.apiPortBase + i,
    p2pPort: layout.p2pPortBase + 2 * i,
    flags: ROLE_FLAGS[roleOf(role)] ?? [],
  }));
}

export interface StartNodesOptions {
  specs: readonly NodeSpec[];
  rpcUrl: string;
  deploymentFile: string;
  /** Parent of every node's data folder; emptied first. */
  stateDir: string;
  corsOrigins: readonly string[];
  log: (line: string) => void;
}

/**
 * Starts the first node, then the rest bootstrapped to it, and waits until they have met.
 * Each node is added to `services`, so one stop takes them all down.
 */
export async function startNodes(services: ServiceGroup, options: StartNodesOptions): Promise<StackNode[]> {
  const { specs, stateDir } = options;
  // The devnet starts from genesis each time, so what the nodes remember of the last one
  // (held slots, purchases, the chain watcher's cursor) describes a chain that is gone.
  rmSync(stateDir, { recursive: true, force: true });
  const start = (spec: NodeSpec, bootstrap: readonly string[]) =>
    services.add(`${spec.role}'s node`, () =>
      startStackNode({
        spec,
        rpcUrl: options.rpcUrl,
        deploymentFile: options.deploymentFile,
        stateDir,
        bootstrap,
        corsOrigins: options.corsOrigins,
      }),
    );
  const [first, ...rest] = specs;
  if (first === undefined) return [];
  options.log(`starting ${specs.length} Cairn nodes (logs in ${join(stateDir, "<name>", "node.log")}) ...`);
  const bootstrapNode = await start(first, []);
  const others = await Promise.all(rest.map((spec) => start(spec, bootstrapNode.p2p.slice(0, 1))));
  const nodes = [bootstrapNode, ...others];
  // Each node reaches the bootstrap peer on start (and dials it again until it does), and
  // the others through its DHT self-lookups: kad-dht's own on the first peer, and the
  // node's own ones over the next 90 s, which find the nodes that joined at the same
  // moment or came up later (network/dht-rejoin.ts). A devnet is far smaller than a
  // k-bucket, so every node ends up connected to every other.
  await waitForPeers(nodes, nodes.length - 1);
  options.log("  every node has joined the network");
  return nodes;
}
