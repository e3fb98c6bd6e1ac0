/**
 * A wagmi config for tests: the Cairn chain at the test chain's URL and one dev-account
 * connector, connected. The same connector the dApp offers on the devnet.
 */
import { type Config, connect, createConfig, http } from "@wagmi/core";
import { defineChain } from "viem";
import { devAccountConnector } from "../../src/wallet/connectors.ts";
import type { DevAccount } from "../../src/wallet/dev-accounts.ts";

export function testChain(rpcUrl: string) {
  return defineChain({
    id: 98765,
    name: "Cairn devnet (test)",
    nativeCurrency: { name: "Cairn Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export async function connectedConfig(rpcUrl: string, account: DevAccount): Promise<Config> {
  const chain = testChain(rpcUrl);
  const config = createConfig({
    chains: [chain],
    connectors: [devAccountConnector(account, chain, rpcUrl)],
    transports: { [chain.id]: http(rpcUrl) },
    pollingInterval: 200,
  });
  const [connector] = config.connectors;
  if (connector === undefined) throw new Error("no connector");
  await connect(config, { connector });
  return config;
}
