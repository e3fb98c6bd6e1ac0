/**
 * An EIP-1193 wallet injected into the page as `window.ethereum`, the way MetaMask appears
 * to a dApp. The page side only forwards requests; the test process signs them with a dev
 * key through the dApp's own dev provider (src/wallet/dev-provider.ts), so the dApp's
 * injected-wallet path runs exactly as with a browser extension.
 */
import type { Page } from "playwright-core";
import type { Hex } from "viem";
import { createDevProvider } from "../../src/wallet/dev-provider.ts";
import { testChain } from "../support/wagmi.ts";

const BRIDGE = "__cairnTestWallet";

export interface InjectWalletOptions {
  rpcUrl: string;
  privateKey: Hex;
  /** The chain the wallet is on at first, as a wallet left on another network would be. */
  startChainId?: number;
}

export async function injectWallet(page: Page, options: InjectWalletOptions): Promise<void> {
  const provider = createDevProvider({
    chain: testChain(options.rpcUrl),
    rpcUrl: options.rpcUrl,
    privateKey: options.privateKey,
  });
  // Until the dApp asks to switch, the wallet claims to be elsewhere and refuses to sign.
  let elsewhere = options.startChainId !== undefined && options.startChainId !== 98765;
  await page.exposeFunction(BRIDGE, async (json: string) => {
    const { method, params } = JSON.parse(json) as { method: string; params?: unknown[] };
    try {
      if (elsewhere && method === "eth_chainId")
        return JSON.stringify({ result: `0x${options.startChainId?.toString(16)}` });
      if (elsewhere && method === "eth_sendTransaction")
        throw Object.assign(new Error("wrong chain"), { code: 4100 });
      const result = await provider.request({ method, params } as never);
      if (method === "wallet_switchEthereumChain") elsewhere = false;
      return JSON.stringify({ result });
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return JSON.stringify({
        error: { code: e.code ?? -32603, message: e.message ?? String(error), data: e.data },
      });
    }
  });
  await page.addInitScript((bridge: string) => {
    // Runs in the page; typed loosely because this file compiles without the DOM lib.
    const page = globalThis as unknown as Record<string, unknown>;
    const call = page[bridge] as ((json: string) => Promise<string>) | undefined;
    const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
    page.ethereum = {
      isCairnTestWallet: true,
      async request({ method, params }: { method: string; params?: unknown[] }) {
        if (call === undefined) throw new Error("test wallet bridge missing");
        const reply = JSON.parse(await call(JSON.stringify({ method, params }))) as {
          result?: unknown;
          error?: { code: number; message: string; data?: unknown };
        };
        if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
        // A real wallet announces the switch; the dApp listens for it.
        if (method === "wallet_switchEthereumChain") {
          const chainId = (params?.[0] as { chainId?: string } | undefined)?.chainId;
          for (const listener of listeners.get("chainChanged") ?? []) listener(chainId);
        }
        return reply.result;
      },
      on(event: string, listener: (...args: unknown[]) => void) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)?.add(listener);
      },
      removeListener(event: string, listener: (...args: unknown[]) => void) {
        listeners.get(event)?.delete(listener);
      },
    };
  }, BRIDGE);
}
