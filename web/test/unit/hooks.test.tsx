// @vitest-environment happy-dom
/**
 * The hooks as a page uses them, inside WagmiProvider and QueryClientProvider, against the
 * test chain: a read hook resolves, and a write hook walks through its visible states.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type Config, getConnection } from "@wagmi/core";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { parseEther } from "viem";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { WagmiProvider } from "wagmi";
import { useAddStake, useReadProviderInfo, useReadRegistryConfig } from "../../src/hooks/registry.ts";
import { useReadMarketConfig } from "../../src/hooks/market.ts";
import { account } from "../support/accounts.ts";
import { connectedConfig } from "../support/wagmi.ts";

let config: Config;

function wrapper({ children }: { children: ReactNode }) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </WagmiProvider>
  );
}

beforeAll(async () => {
  config = await connectedConfig(inject("rpcUrl"), account("sealer1"));
});

describe("hooks", () => {
  it("useReadRegistryConfig and useReadMarketConfig read the deployed configs", async () => {
    const registry = renderHook(() => useReadRegistryConfig(), { wrapper });
    const market = renderHook(() => useReadMarketConfig(), { wrapper });
    await waitFor(() => expect(registry.result.current.data?.minStake).toBeGreaterThan(0n), {
      timeout: 15_000,
    });
    await waitFor(() => expect(market.result.current.data?.maxSlots).toBeGreaterThan(0), { timeout: 15_000 });
  });

  it("useAddStake reports a refused transaction in words, with nothing sent", async () => {
    const hook = renderHook(() => useAddStake(), { wrapper });
    expect(hook.result.current.status).toEqual({ phase: "idle" });
    // Mounting WagmiProvider rehydrates its store, then reconnects the dev account.
    await waitFor(() => expect(getConnection(config).status).toBe("connected"), { timeout: 15_000 });
    let result: Awaited<ReturnType<typeof hook.result.current.run>> | undefined;
    await act(async () => {
      result = await hook.result.current.run({ amount: parseEther("1") });
    });
    // sealer1 never registered: the registry refuses, and the hook shows it as failed.
    expect(result).toMatchObject({ ok: false, hash: undefined });
    expect(hook.result.current.status).toMatchObject({
      phase: "failed",
      message: `Account ${account("sealer1").address} is not a registered provider.`,
    });
    expect(hook.result.current.busy).toBe(false);
  });

  it("useReadProviderInfo reads an unregistered account as not registered", async () => {
    const hook = renderHook(() => useReadProviderInfo(account("sealer1").address), { wrapper });
    await waitFor(() => expect(hook.result.current.data?.registered).toBe(false), { timeout: 15_000 });
  });
});
