/**
 * The demo's view of a running local network: each node's REST endpoint (with its API
 * token) and wallet address, and a chain client for reading the market. Built from the
 * stack file `npm start` writes, or from the nodes a system test started.
 */
import { readFileSync } from "node:fs";
import { type Address, createPublicClient, defineChain, type Hex, http, type PublicClient } from "viem";
import { type ApiEndpoint, getInfo } from "../../node/src/cli/client.ts";
import { ChainError } from "../chain/errors.ts";
import type { StackFile, StackFileNode } from "../stack/stack-file.ts";

export interface DemoNode extends StackFileNode {
  endpoint: ApiEndpoint;
  /** The wallet the node signs with. */
  address: Address;
}

export interface DemoNetwork {
  stack: StackFile;
  nodes: DemoNode[];
  publicClient: PublicClient;
  market: Address;
  registry: Address;
  node(name: string): DemoNode;
  byAddress(address: string): DemoNode | undefined;
}

function contractAddress(stack: StackFile, name: string): Address {
  const contract = stack.contracts[name];
  if (contract === undefined) throw new ChainError(`the stack file names no ${name} contract; redeploy`);
  return contract.address as Hex;
}

/** Reads every node's info; a node that does not answer is left out (it may have been killed). */
export async function connectDemoNetwork(stack: StackFile): Promise<DemoNetwork> {
  const answers = await Promise.all(
    stack.nodes.map(async (node): Promise<DemoNode | undefined> => {
      const endpoint = { url: node.apiUrl, token: readFileSync(node.apiTokenPath, "utf8").trim() };
      try {
        const info = await getInfo(endpoint);
        if (info.walletAddress === undefined) return undefined;
        return { ...node, endpoint, address: info.walletAddress as Address };
      } catch {
        return undefined;
      }
    }),
  );
  const nodes = answers.filter((node): node is DemoNode => node !== undefined);
  const chain = defineChain({
    id: stack.chainId,
    name: "Cairn devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [stack.rpcUrl] } },
  });
  // cacheTime 0: the demo follows the head closely and must not read a 4 s old block number.
  const publicClient = createPublicClient({ chain, transport: http(stack.rpcUrl), cacheTime: 0 });
  return {
    stack,
    nodes,
    publicClient: publicClient as PublicClient,
    market: contractAddress(stack, "StorageMarket"),
    registry: contractAddress(stack, "ProviderRegistry"),
    node(name) {
      const found = nodes.find((node) => node.name === name);
      if (found === undefined) {
        throw new ChainError(`${name}'s node does not answer; is the network up (\`npm start\`)?`);
      }
      return found;
    },
    byAddress: (address) => nodes.find((node) => node.address.toLowerCase() === address.toLowerCase()),
  };
}
