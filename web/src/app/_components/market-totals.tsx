"use client";
import { formatBytes, formatEth } from "../../lib/format.ts";
import type { MarketOverview, ProviderRow } from "../../queries/market.ts";

export function MarketTotals({
  providers,
  overview,
}: {
  providers: ProviderRow[];
  overview: MarketOverview | undefined;
}) {
  const stats = overview?.marketStats;
  const capacity = providers.reduce((sum, p) => sum + BigInt(p.capacity), 0n);
  const items: [string, string][] = [
    ["Providers", String(stats?.providers ?? providers.length)],
    ["Capacity offered", formatBytes(capacity)],
    ["Total stake", formatEth(BigInt(stats?.totalStake ?? 0))],
    ["Locked collateral", formatEth(BigInt(stats?.totalLockedCollateral ?? 0))],
    ["Requests (started)", `${stats?.requests ?? 0} (${stats?.startedRequests ?? 0})`],
    ["Escrow", formatEth(BigInt(stats?.totalEscrow ?? 0))],
    ["Proofs / misses", `${stats?.proofsSubmitted ?? 0} / ${stats?.proofsMissed ?? 0}`],
    ["Slashed", formatEth(BigInt(stats?.totalSlashed ?? 0))],
  ];
  return (
    <div className="grid" data-testid="totals">
      {items.map(([label, value]) => (
        <div key={label} className="stat">
          <span className="muted">{label}</span>
          <b>{value}</b>
        </div>
      ))}
    </div>
  );
}
