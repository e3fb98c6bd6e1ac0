/**
 * The local indexer, the embedded stand-in for graph-node that `npm start` runs: it
 * follows the chain's logs from the deploy block through the compiled mappings into an
 * SQLite store under `dataDir` (kept across restarts, reverted on reorgs) and serves the
 * dApp's GraphQL subset at `/subgraphs/name/cairn`, graph-node's path.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type PublicClient, createPublicClient, http } from "viem";
import { type GraphQLRequest, buildSchema, runQuery } from "./graphql.ts";
import { MappingError } from "./host.ts";
import { openSubgraph } from "./open.ts";
import type { DeploymentSources } from "./runner.ts";
import { syncStep } from "./sync.ts";

export const SUBGRAPH_NAME = "cairn";
export const SUBGRAPH_PATH = `/subgraphs/name/${SUBGRAPH_NAME}`;
/** Largest request body the server reads. */
const MAX_BODY_BYTES = 1 << 20;
const REQUEST_TIMEOUT_MS = 30_000;

export interface DeploymentInput {
  chainId: number;
  /** When deploy wrote it: a redeploy on a devnet started afresh starts the store over. */
  deployedAt?: string;
  contracts: Record<string, { address: string; blockNumber: number }>;
}

export interface IndexerOptions {
  rpcUrl: string;
  /** The deployment to index: deployments/<chainId>.json's content, or its path. */
  deployment: DeploymentInput | string;
  /** Where the store lives; it survives restarts. */
  dataDir: string;
  /** HTTP port; 0 picks a free one. @default 8000 */
  port?: number;
  host?: string;
  /** Milliseconds between polls of the chain once caught up. @default 500 */
  pollInterval?: number;
  /** A client to use instead of one over `rpcUrl` (tests). */
  client?: PublicClient;
  manifestPath?: string;
  log?: (line: string) => void;
}

export interface Indexer {
  /** The GraphQL endpoint. */
  url: string;
  /** Resolves once the store's head is at or past `block`. */
  waitForBlock(block: number, timeoutMs?: number): Promise<void>;
  /** The store's head block. */
  head(): number | undefined;
  /** The mapping error that stopped indexing, if one did. */
  error(): Error | undefined;
  stop(): Promise<void>;
}

function readDeploymentInput(input: DeploymentInput | string): DeploymentInput {
  return typeof input === "string" ? (JSON.parse(readFileSync(input, "utf8")) as DeploymentInput) : input;
}

export async function startIndexer(options: IndexerOptions): Promise<Indexer> {
  const log = options.log ?? ((line: string) => console.log(`[indexer] ${line}`));
  const deployment = readDeploymentInput(options.deployment);
  const client = options.client ?? createPublicClient({ transport: http(options.rpcUrl), cacheTime: 0 });
  const sources: DeploymentSources = {
    network: `chain-${deployment.chainId}`,
    contracts: deployment.contracts,
  };
  mkdirSync(options.dataDir, { recursive: true });
  const opened = openSubgraph({
    deployment: sources,
    dbPath: join(options.dataDir, `indexer-${deployment.chainId}.sqlite`),
    ...(options.manifestPath === undefined ? {} : { manifestPath: options.manifestPath }),
    log: (level, message) => log(`mapping log (${level}): ${message}`),
  });
  const { store, runner, schema: schemaInfo } = opened;

  // The data belongs to one chain, deployment and build; anything else starts over.
  let genesis: string | null;
  try {
    genesis = (await client.getBlock({ blockNumber: 0n })).hash;
  } catch (error) {
    store.close();
    const reason = (error as { shortMessage?: string }).shortMessage ?? String(error);
    throw new Error(`cannot read the chain at ${options.rpcUrl}: ${reason}`, { cause: error });
  }
  const identity = createHash("sha256")
    .update(
      JSON.stringify({
        genesis,
        chainId: deployment.chainId,
        deployedAt: deployment.deployedAt ?? null,
        contracts: deployment.contracts,
        schema: schemaInfo.source,
      }),
    )
    .update(Buffer.concat(opened.subgraph.dataSources.map((ds) => readFileSync(ds.mapping.path))))
    .digest("hex");
  if (store.getMeta("identity") !== identity) {
    if (store.head() !== undefined)
      log("the store was indexed for another chain, deployment or build: starting over");
    store.reset();
    store.setMeta("identity", identity);
  }
  const deploymentId = `cairn-${identity.slice(0, 16)}`;

  let failure: Error | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  const loop = async (): Promise<void> => {
    if (stopped) return;
    let delay = options.pollInterval ?? 500;
    try {
      const result = await syncStep(runner, client, { log });
      if (!result.caughtUp) delay = 0;
      notify();
    } catch (error) {
      if (error instanceof MappingError) {
        // A handler failing is deterministic: graph-node stops the subgraph; so do we.
        failure = error;
        log(`indexing stopped: ${error.message}`);
        notify();
        return;
      }
      log(`chain unreachable, retrying: ${error instanceof Error ? error.message : String(error)}`);
      delay = 2000;
    }
    if (!stopped) timer = setTimeout(() => (running = loop()), delay);
  };

  const schema = buildSchema(schemaInfo, {
    head: () => store.head(),
    deployment: deploymentId,
    hasIndexingErrors: () => failure !== undefined,
  });

  const server = createServer((req, res) => void handle(req, res));
  // No slow client holds a socket for long: queries are small and answered at once.
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-allow-headers", "content-type");
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "OPTIONS") {
      res.writeHead(204).end();
      return;
    }
    if (path !== SUBGRAPH_PATH && path !== "/graphql") {
      send(404, { errors: [{ message: `no subgraph at ${path}; query ${SUBGRAPH_PATH}` }] });
      return;
    }
    if (req.method !== "POST") {
      send(405, { errors: [{ message: "send queries with POST and a JSON body {query, variables}" }] });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        send(413, { errors: [{ message: `request body over ${MAX_BODY_BYTES} bytes` }] });
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let request: GraphQLRequest;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as GraphQLRequest;
      if (typeof request.query !== "string") throw new Error("no query");
    } catch {
      send(400, { errors: [{ message: "the body must be JSON with a `query` string" }] });
      return;
    }
    const result = await runQuery(schema, store, request);
    send(200, result);
  }

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8000, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}${SUBGRAPH_PATH}`;
  log(`indexing chain ${deployment.chainId} from block ${runner.startBlock}; GraphQL at ${url}`);
  running = loop();

  return {
    url,
    head: () => store.head()?.number,
    error: () => failure,
    waitForBlock(block, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if ((store.head()?.number ?? -1) >= block) done(resolve);
          else if (failure !== undefined) done(() => reject(failure));
        };
        const timeout = setTimeout(
          () => done(() => reject(new Error(`the indexer did not reach block ${block} in ${timeoutMs} ms`))),
          timeoutMs,
        );
        const done = (finish: () => void) => {
          clearTimeout(timeout);
          waiters.delete(check);
          finish();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      store.close();
    },
  };
}
