/** Market-wide subgraph queries: the provider list, totals, day stats, recent activity. */
import { queryOptions } from "@tanstack/react-query";
import type { Sdk } from "@cairn/subgraph/client";
import { subgraphSdk } from "./subgraph.ts";

export type ProviderRow = Awaited<ReturnType<Sdk["Providers"]>>["providers"][number];
export type MarketOverview = Awaited<ReturnType<Sdk["MarketOverview"]>>;

/** Every registered, unpaused provider, paging 100 at a time (autoPagination is unreliable). */
export async function fetchProviders(sdk: Sdk = subgraphSdk()): Promise<ProviderRow[]> {
  const rows: ProviderRow[] = [];
  for (let skip = 0; ; skip += 100) {
    const page = await sdk.Providers({ first: 100, skip });
    rows.push(...page.providers);
    if (page.providers.length < 100) return rows;
  }
}

export function fetchProvidersQueryOptions(pollMs?: number) {
  return queryOptions({
    queryKey: ["fetchProviders"],
    queryFn: () => fetchProviders(),
    refetchInterval: pollMs,
  });
}

export function fetchMarketOverview(sdk: Sdk = subgraphSdk(), days = 30): Promise<MarketOverview> {
  return sdk.MarketOverview({ first: days });
}

export function fetchMarketOverviewQueryOptions(pollMs?: number) {
  return queryOptions({
    queryKey: ["fetchMarketOverview"],
    queryFn: () => fetchMarketOverview(),
    refetchInterval: pollMs,
  });
}
