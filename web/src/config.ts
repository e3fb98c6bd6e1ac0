/**
 * The dApp's one typed config. Values come from NEXT_PUBLIC_* variables (inlined at build
 * time, see .env.example); the defaults are the local stack that `npm start` brings up.
 */
export interface WebConfig {
  /** JSON-RPC URL of the Cairn chain (chainId 98765). */
  rpcUrl: string;
  /** GraphQL endpoint of the subgraph (graph-node's path layout). */
  subgraphUrl: string;
  /** Offer the dev-account wallet that signs with the public genesis keys (local devnet only). */
  devnet: boolean;
  /** How often live views (slots filling, proofs) poll the chain and the subgraph, in ms. */
  pollMs: number;
}

export const config: WebConfig = {
  rpcUrl: process.env.NEXT_PUBLIC_CAIRN_RPC_URL ?? "http://127.0.0.1:8545",
  subgraphUrl: process.env.NEXT_PUBLIC_CAIRN_SUBGRAPH_URL ?? "http://127.0.0.1:8000/subgraphs/name/cairn",
  devnet: (process.env.NEXT_PUBLIC_CAIRN_DEVNET ?? "true") === "true",
  pollMs: 2_000,
};
