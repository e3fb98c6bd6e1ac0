"use client";
/** Market: who sells storage at what price, the market's totals, and how proofs are going. */
import { useQuery } from "@tanstack/react-query";
import { config } from "../config.ts";
import { describeError } from "../contracts/describe-error.ts";
import { fetchMarketOverviewQueryOptions, fetchProvidersQueryOptions } from "../queries/market.ts";
import { MarketCharts } from "./_components/market-charts.tsx";
import { MarketTotals } from "./_components/market-totals.tsx";
import { ProviderTable } from "./_components/provider-table.tsx";

export default function MarketPage() {
  const providers = useQuery(fetchProvidersQueryOptions(config.pollMs * 5));
  const overview = useQuery(fetchMarketOverviewQueryOptions(config.pollMs * 5));
  const error = providers.error ?? overview.error;
  return (
    <>
      <h1>Market</h1>
      {error && <p className="bad">The subgraph did not answer: {describeError(error)}</p>}
      <MarketTotals providers={providers.data ?? []} overview={overview.data} />
      <MarketCharts providers={providers.data ?? []} overview={overview.data} />
      <ProviderTable providers={providers.data ?? []} />
    </>
  );
}
