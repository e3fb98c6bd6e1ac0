/** The wagmi config: the Cairn chain over HTTP, with the injected wallet and (devnet) dev accounts. */
import { type Config, createConfig, http } from "@wagmi/core";
import { cairnChain } from "./chain.ts";
import { config } from "./config.ts";
import type { DevAccount } from "./wallet/dev-accounts.ts";
import { devAccountConnector, injectedConnector } from "./wallet/connectors.ts";

export function createWagmiConfig(devAccounts: readonly DevAccount[] = []): Config {
  return createConfig({
    chains: [cairnChain],
    connectors: [
      injectedConnector(),
      // Remembered in localStorage so a reload reconnects the chosen dev account.
      ...devAccounts.map((account) =>
        devAccountConnector(
          account,
          cairnChain,
          config.rpcUrl,
          typeof localStorage === "undefined" ? undefined : localStorage,
        ),
      ),
    ],
    transports: { [cairnChain.id]: http(config.rpcUrl) },
    // The chain seals every few seconds; poll receipts and blocks at a matching pace.
    pollingInterval: 1_000,
    ssr: true,
  });
}
