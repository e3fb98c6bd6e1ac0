/**
 * The dev-account wallet as a wagmi connector: it signs with one genesis dev key through
 * createDevProvider. Unlike the injected connector it needs no `window`, so the same
 * connector runs in the dApp and in the Node tests. Local devnet only: the keys are public.
 */
import { createConnector } from "@wagmi/core";
import { type Chain, fromHex, getAddress, type Hex, numberToHex } from "viem";
import type { DevAccount } from "./dev-accounts.ts";
import { createDevProvider, type DevProviderOptions } from "./dev-provider.ts";

export const DEV_CONNECTOR_PREFIX = "cairn-dev-";

export function devAccountConnector(
  account: DevAccount,
  chain: Chain,
  rpcUrl: string,
  storage?: DevProviderOptions["storage"],
) {
  const provider = createDevProvider({ chain, rpcUrl, privateKey: account.privateKey, storage });
  const accounts = async (method: "eth_accounts" | "eth_requestAccounts") =>
    ((await provider.request({ method } as never)) as Hex[]).map((a) => getAddress(a));

  return createConnector<typeof provider>((config) => ({
    id: `${DEV_CONNECTOR_PREFIX}${account.role}`,
    name: `${account.role} (dev key, local devnet only)`,
    type: "cairnDevAccount",
    async connect<withCapabilities extends boolean = false>(
      parameters: { chainId?: number; withCapabilities?: withCapabilities | boolean } = {},
    ) {
      const connected = await accounts("eth_requestAccounts");
      if (parameters.chainId !== undefined && parameters.chainId !== chain.id)
        await this.switchChain?.({ chainId: parameters.chainId });
      return {
        accounts: (parameters.withCapabilities
          ? connected.map((address) => ({ address, capabilities: {} }))
          : connected) as never,
        chainId: chain.id,
      };
    },
    async disconnect() {
      await provider.request({ method: "wallet_revokePermissions", params: [{ eth_accounts: {} }] } as never);
    },
    getAccounts: () => accounts("eth_accounts"),
    async getChainId() {
      return fromHex((await provider.request({ method: "eth_chainId" } as never)) as Hex, "number");
    },
    async getProvider() {
      return provider;
    },
    async isAuthorized() {
      return (await accounts("eth_accounts")).length > 0;
    },
    async switchChain({ chainId }) {
      await provider.request({
        method: "wallet_switchEthereumChain",
        params: [{ chainId: numberToHex(chainId) }],
      } as never);
      const target = config.chains.find((c) => c.id === chainId);
      if (target === undefined) throw new Error(`chain ${chainId} is not configured`);
      return target;
    },
    onAccountsChanged(changed) {
      config.emitter.emit("change", { accounts: changed.map((a) => getAddress(a)) });
    },
    onChainChanged(id) {
      config.emitter.emit("change", { chainId: Number(id) });
    },
    onDisconnect() {
      config.emitter.emit("disconnect");
    },
  }));
}
