"use client";
/** The market's provider list: sortable by any column, filterable by region, infrastructure and free capacity. */
import { useMemo, useState } from "react";
import { formatBytes, formatEth, shortAddress } from "../../lib/format.ts";
import { decodeLabel } from "../../lib/offer.ts";
import { reputation } from "../../lib/reputation.ts";
import { perGibMonth } from "../../lib/units.ts";
import type { ProviderRow } from "../../queries/market.ts";

type Column = "price" | "capacity" | "stake" | "reputation" | "region" | "infrastructure" | "slashed";

const COLUMNS: { key: Column; label: string }[] = [
  { key: "price", label: "Price / GiB·month" },
  { key: "capacity", label: "Capacity" },
  { key: "stake", label: "Stake" },
  { key: "reputation", label: "Reputation" },
  { key: "region", label: "Region" },
  { key: "infrastructure", label: "Infrastructure" },
  { key: "slashed", label: "Slashed" },
];

function sortValue(row: ProviderRow, key: Column): number | string | bigint {
  switch (key) {
    case "price":
      return BigInt(row.pricePerBytePerSecond);
    case "capacity":
      return BigInt(row.capacity);
    case "stake":
      return BigInt(row.stake);
    case "reputation":
      return reputation(row.proofsSubmitted, row.proofsMissed);
    case "region":
      return decodeLabel(row.region);
    case "infrastructure":
      return decodeLabel(row.infrastructure);
    case "slashed":
      return BigInt(row.totalSlashed);
  }
}

export function ProviderTable({ providers }: { providers: ProviderRow[] }) {
  const [sort, setSort] = useState<{ key: Column; desc: boolean }>({ key: "price", desc: false });
  const [filter, setFilter] = useState({ region: "", infrastructure: "", minFreeGiB: "" });

  const rows = useMemo(() => {
    const minFree = BigInt(Math.floor(Number(filter.minFreeGiB || "0") * 2 ** 30));
    return providers
      .filter((p) => decodeLabel(p.region).toLowerCase().includes(filter.region.toLowerCase()))
      .filter((p) =>
        decodeLabel(p.infrastructure).toLowerCase().includes(filter.infrastructure.toLowerCase()),
      )
      .filter((p) => BigInt(p.capacity) >= minFree)
      .sort((a, b) => {
        const x = sortValue(a, sort.key);
        const y = sortValue(b, sort.key);
        const order = x < y ? -1 : x > y ? 1 : 0;
        return sort.desc ? -order : order;
      });
  }, [providers, sort, filter]);

  return (
    <section>
      <h2>Providers ({rows.length})</h2>
      <div>
        <label>
          <span>Region contains</span>
          <input value={filter.region} onChange={(e) => setFilter({ ...filter, region: e.target.value })} />
        </label>
        <label>
          <span>Infrastructure contains</span>
          <input
            value={filter.infrastructure}
            onChange={(e) => setFilter({ ...filter, infrastructure: e.target.value })}
          />
        </label>
        <label>
          <span>Capacity at least (GiB)</span>
          <input
            type="number"
            min="0"
            value={filter.minFreeGiB}
            onChange={(e) => setFilter({ ...filter, minFreeGiB: e.target.value })}
          />
        </label>
      </div>
      <table data-testid="providers">
        <thead>
          <tr>
            <th>Provider</th>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                aria-sort={sort.key === c.key ? (sort.desc ? "descending" : "ascending") : undefined}
              >
                <button
                  type="button"
                  onClick={() => setSort({ key: c.key, desc: sort.key === c.key && !sort.desc })}
                >
                  {c.label} {sort.key === c.key ? (sort.desc ? "▼" : "▲") : ""}
                </button>
              </th>
            ))}
            <th>Proofs / misses</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.id}>
              <td title={p.id}>{shortAddress(p.id)}</td>
              <td>{formatEth(perGibMonth(BigInt(p.pricePerBytePerSecond)))}</td>
              <td>{formatBytes(BigInt(p.capacity))}</td>
              <td>{formatEth(BigInt(p.stake))}</td>
              <td>{(reputation(p.proofsSubmitted, p.proofsMissed) * 100).toFixed(0)} %</td>
              <td>{decodeLabel(p.region)}</td>
              <td>{decodeLabel(p.infrastructure)}</td>
              <td>{formatEth(BigInt(p.totalSlashed))}</td>
              <td>
                {p.proofsSubmitted} / {p.proofsMissed}
              </td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={9} className="muted">
                No provider matches.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
