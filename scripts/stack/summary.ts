/** The banner `npm start` prints once the network is up. */
import type { DeploymentFile } from "../deploy/deployment-file.ts";
import type { DevAccount } from "../lib/dev-accounts.ts";

export interface SummaryInput {
  engine: string;
  chain: { rpcUrls: string[]; chainId: number };
  deployment: DeploymentFile;
  accounts: readonly DevAccount[];
  /** The local indexer's GraphQL endpoint. */
  graphqlUrl: string;
  /** The dApp. */
  webUrl?: string;
  /** The Cairn nodes running, with their REST APIs and API token files. */
  nodes: {
    name: string;
    apiUrl: string;
    apiTokenPath: string | undefined;
    peerId?: string;
    logFile?: string;
  }[];
}

export function formatSummary({
  engine,
  chain,
  deployment,
  accounts,
  graphqlUrl,
  webUrl,
  nodes,
}: SummaryInput): string {
  const lines = [
    "",
    "Cairn local network is up.",
    "",
    `  chain       ${engine}, chainId ${chain.chainId}`,
    ...chain.rpcUrls.map(
      (url, i) => `  RPC         ${url}${chain.rpcUrls.length > 1 ? ` (sealer ${i + 1})` : ""}`,
    ),
    ...(webUrl
      ? [`  dApp        ${webUrl}  (pick a "dev account" in its wallet menu: local devnet only)`]
      : []),
    `  GraphQL     ${graphqlUrl}  (local indexer, graph-node's query shape)`,
    ...nodes.map(
      ({ name, apiUrl, peerId }) =>
        `  node        ${name.padEnd(10)} ${apiUrl}${peerId ? `  peer ${peerId}` : ""}`,
    ),
    ...nodes.flatMap(({ name, apiTokenPath, logFile }) =>
      apiTokenPath || logFile
        ? [
            `              ${name}: ${[apiTokenPath && `token ${apiTokenPath}`, logFile && `log ${logFile}`].filter(Boolean).join(", ")}`,
          ]
        : [],
    ),
    "",
    "  contracts",
    ...Object.entries(deployment.contracts).map(
      ([name, { address, blockNumber }]) =>
        `    ${name.padEnd(18)} ${address}  (deployed at block ${blockNumber})`,
    ),
    "",
    "  dev accounts (LOCAL ONLY: these private keys are public, see genesis/dev-accounts.json)",
    ...accounts.map(({ role, address, privateKey }) => `    ${role.padEnd(10)} ${address}  ${privateKey}`),
    "",
    "In another terminal, `npm run demo` buys storage, kills a provider, watches the repair and fetches the file back.",
    "Press Ctrl-C to stop everything.",
  ];
  return lines.join("\n");
}

export function printSummary(input: SummaryInput): void {
  console.log(formatSummary(input));
}
