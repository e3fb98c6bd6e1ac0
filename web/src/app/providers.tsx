"use client";
/**
 * Client-side context for every page: wagmi and react-query. On the devnet the dev
 * accounts are fetched first, so their connectors exist before the first render needs them.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Config } from "@wagmi/core";
import { type ReactNode, useEffect, useState } from "react";
import { WagmiProvider } from "wagmi";
import { config as webConfig } from "../config.ts";
import { createWagmiConfig } from "../wagmi.ts";
import { fetchDevAccounts } from "../wallet/dev-accounts.ts";

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 1 } } }));
  const [wagmiConfig, setWagmiConfig] = useState<Config | undefined>(
    webConfig.devnet ? undefined : () => createWagmiConfig(),
  );

  useEffect(() => {
    if (wagmiConfig !== undefined) return;
    let cancelled = false;
    fetchDevAccounts()
      .catch(() => [])
      .then((accounts) => {
        if (!cancelled) setWagmiConfig(createWagmiConfig(accounts));
      });
    return () => {
      cancelled = true;
    };
  }, [wagmiConfig]);

  if (wagmiConfig === undefined) return <p className="loading">Loading wallets…</p>;
  return (
    <WagmiProvider config={wagmiConfig}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </WagmiProvider>
  );
}
