"use client";
/** What the provider has done, from the subgraph: slots held, proofs, slashes, earnings. */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { config } from "../../../config.ts";
import { formatEth, formatTime, shortAddress } from "../../../lib/format.ts";
import { fetchProvidersQueryOptions } from "../../../queries/market.ts";
import { fetchProviderDetailQueryOptions } from "../../../queries/provider.ts";

export function ProviderActivity({ provider }: { provider: Address }) {
  const detail = useQuery(fetchProviderDetailQueryOptions(provider, config.pollMs * 2));
  const listed = useQuery(fetchProvidersQueryOptions(config.pollMs * 5));
  const row = listed.data?.find((p) => p.id === provider.toLowerCase());
  const d = detail.data;
  if (!d) return <p className="muted">The subgraph has not indexed this provider yet.</p>;
  const held = d.slots.filter((s) => s.state === "Filled");
  return (
    <section aria-label="activity">
      <h2>Activity</h2>
      <div className="grid">
        <div className="stat">
          <span className="muted">Slots held</span>
          <b data-testid="slots-held">{held.length}</b>
        </div>
        <div className="stat">
          <span className="muted">Proofs / misses</span>
          <b>
            {row?.proofsSubmitted ?? 0} / {row?.proofsMissed ?? 0}
          </b>
        </div>
        <div className="stat">
          <span className="muted">Slashed</span>
          <b>{formatEth(BigInt(d.totalSlashed))}</b>
        </div>
        <div className="stat">
          <span className="muted">Earned (collected)</span>
          <b>{formatEth(BigInt(d.totalCollected))}</b>
        </div>
      </div>
      <h3>Slots</h3>
      <table>
        <thead>
          <tr>
            <th>Request</th>
            <th>Slot</th>
            <th>State</th>
            <th>Collateral</th>
            <th>Request ends</th>
          </tr>
        </thead>
        <tbody>
          {d.slots.map((s) => (
            <tr key={s.id}>
              <td title={s.request.id}>{shortAddress(s.request.id)}</td>
              <td>{s.index}</td>
              <td>{s.state}</td>
              <td>{formatEth(BigInt(s.collateral))}</td>
              <td>{s.request.endsAt ? formatTime(s.request.endsAt) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Stake history</h3>
      <table>
        <tbody>
          {d.stakeChanges.map((c) => (
            <tr key={c.id}>
              <td>{formatTime(c.timestamp)}</td>
              <td>{c.kind}</td>
              <td>{formatEth(BigInt(c.amount))}</td>
              <td className="muted">stake {formatEth(BigInt(c.stake))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.slashes.length > 0 && (
        <>
          <h3>Slashes</h3>
          <ul>
            {d.slashes.map((s) => (
              <li key={s.id}>
                {formatTime(s.timestamp)}: {formatEth(BigInt(s.amount))}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
