"use client";
/** The market's charts: price spread and capacity across providers, proofs and misses per day. */
import { BarChart, LineChart } from "../../components/charts.tsx";
import { formatBytes, formatEth, shortAddress } from "../../lib/format.ts";
import { perGibMonth } from "../../lib/units.ts";
import type { MarketOverview, ProviderRow } from "../../queries/market.ts";

export function MarketCharts({
  providers,
  overview,
}: {
  providers: ProviderRow[];
  overview: MarketOverview | undefined;
}) {
  const byPrice = [...providers].sort((a, b) =>
    Number(BigInt(a.pricePerBytePerSecond) - BigInt(b.pricePerBytePerSecond)),
  );
  // The subgraph returns the newest day first; charts read left to right in time.
  const days = [...(overview?.marketDayStats_collection ?? [])].reverse();
  const dayLabel = (start: string) => new Date(Number(start) * 1000).toISOString().slice(5, 10);
  return (
    <div className="charts">
      <BarChart
        title="Price spread (per GiB·month)"
        bars={byPrice.map((p) => ({
          label: shortAddress(p.id),
          value: Number(perGibMonth(BigInt(p.pricePerBytePerSecond))),
        }))}
        format={(v) => formatEth(BigInt(Math.round(v)))}
      />
      <BarChart
        title="Capacity by provider"
        bars={providers.map((p) => ({ label: shortAddress(p.id), value: Number(p.capacity) }))}
        format={(v) => formatBytes(v)}
      />
      <LineChart
        title="Proofs and misses per day"
        labels={days.map((d) => dayLabel(d.dayStart))}
        series={[
          { name: "proofs", values: days.map((d) => Number(d.proofsSubmitted)) },
          { name: "misses", values: days.map((d) => Number(d.proofsMissed)) },
        ]}
      />
    </div>
  );
}
