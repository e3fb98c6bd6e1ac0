/**
 * Starts the subgraph's local indexer (subgraph/runner) in this process. It is imported by
 * path at run time rather than statically: its WebAssembly declarations and the Graph
 * Client's DOM typings (which the dApp's tests also load) cannot share one TypeScript
 * program, so the type checker must not follow this import.
 */
export interface LocalIndexer {
  /** The GraphQL endpoint. */
  url: string;
  stop(): Promise<void>;
}

export interface LocalIndexerOptions {
  rpcUrl: string;
  deployment: unknown;
  dataDir: string;
  port: number;
  host?: string;
  log?: (line: string) => void;
}

const INDEXER_MODULE = new URL("../../../subgraph/runner/indexer.ts", import.meta.url).href;

export async function startLocalIndexer(options: LocalIndexerOptions): Promise<LocalIndexer> {
  const runner = (await import(/* @vite-ignore */ INDEXER_MODULE)) as {
    startIndexer(options: LocalIndexerOptions): Promise<LocalIndexer>;
  };
  return runner.startIndexer(options);
}
