/**
 * An EIP-1193 provider that signs locally with one dev account's private key and forwards
 * every read to the chain's JSON-RPC. It backs the "dev account" wallet, which exists only
 * for the local devnet, whose genesis keys are public.
 */
import {
  createWalletClient,
  type EIP1193Parameters,
  type EIP1193RequestFn,
  type Hex,
  http,
  numberToHex,
  type PublicRpcSchema,
  type TransactionRequest,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Chain } from "viem";

export interface DevProvider {
  request: EIP1193RequestFn;
  on: (event: string, listener: (...args: unknown[]) => void) => void;
  removeListener: (event: string, listener: (...args: unknown[]) => void) => void;
}

type RpcTransaction = { from?: Hex; to?: Hex; data?: Hex; value?: Hex; gas?: Hex; nonce?: Hex };

const quantity = (value: Hex | undefined) => (value === undefined ? undefined : BigInt(value));

export interface DevProviderOptions {
  chain: Chain;
  rpcUrl: string;
  privateKey: Hex;
  /** Where to remember that the dApp connected, so a reload reconnects (the browser's localStorage). */
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

export function createDevProvider(options: DevProviderOptions): DevProvider {
  const account = privateKeyToAccount(options.privateKey);
  const wallet = createWalletClient({ account, chain: options.chain, transport: http(options.rpcUrl) });
  const chainIdHex = numberToHex(options.chain.id);
  // Like a real wallet, it shows no account until the dApp asks to connect, so wagmi does
  // not silently reconnect to a dev key on page load.
  const storageKey = `cairn:dev-connected:${account.address}`;
  let connected = options.storage?.getItem(storageKey) === "1";
  const setConnected = (value: boolean) => {
    connected = value;
    if (value) options.storage?.setItem(storageKey, "1");
    else options.storage?.removeItem(storageKey);
  };

  const request = (async ({ method, params }: EIP1193Parameters<PublicRpcSchema>) => {
    const args = (params ?? []) as unknown[];
    switch (method as string) {
      case "eth_accounts":
        return connected ? [account.address] : [];
      case "eth_requestAccounts":
        setConnected(true);
        return [account.address];
      case "eth_chainId":
        return chainIdHex;
      case "wallet_switchEthereumChain": {
        const [{ chainId }] = args as [{ chainId: Hex }];
        if (chainId.toLowerCase() !== chainIdHex)
          throw Object.assign(new Error("unknown chain"), { code: 4902 });
        return null;
      }
      case "wallet_requestPermissions":
        setConnected(true);
        return [{ parentCapability: "eth_accounts" }];
      case "wallet_revokePermissions":
        setConnected(false);
        return null;
      case "eth_sendTransaction": {
        const [tx] = args as [RpcTransaction];
        return wallet.sendTransaction({
          to: tx.to,
          data: tx.data,
          value: quantity(tx.value),
          gas: quantity(tx.gas),
        } as TransactionRequest & { to: Hex });
      }
      case "personal_sign": {
        const [message] = args as [Hex];
        return account.signMessage({ message: { raw: message } });
      }
      case "eth_signTypedData_v4": {
        const [, json] = args as [Hex, string];
        return account.signTypedData(JSON.parse(json));
      }
      default:
        // Reads (calls, logs, receipts, fees) go to the node as they are.
        return wallet.request({ method, params } as never);
    }
  }) as EIP1193RequestFn;

  // One account on one chain: nothing ever changes, so there is nothing to emit.
  return { request, on: () => {}, removeListener: () => {} };
}
