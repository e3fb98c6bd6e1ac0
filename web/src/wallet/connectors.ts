/**
 * The wallets the dApp offers: any injected EIP-1193 wallet (MetaMask and the like), and on
 * the local devnet one connector per genesis dev account, named "local devnet only".
 */
import { injected } from "@wagmi/core";

export { DEV_CONNECTOR_PREFIX, devAccountConnector } from "./dev-connector.ts";

export function injectedConnector() {
  return injected({ shimDisconnect: true });
}
