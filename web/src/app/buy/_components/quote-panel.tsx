"use client";
/**
 * The live quote: the providers chosen, the price (which also covers a spare provider, for
 * repairs), the escrow, the expected durability, and the providers left out with why.
 */
import { formatBytes, formatEth, formatProbability, shortAddress } from "../../../lib/format.ts";
import type { Quote } from "../../../lib/quote.ts";
import { perGibMonth } from "../../../lib/units.ts";

export function QuotePanel({ quote, n }: { quote: Quote; n: number }) {
  return (
    <section
      aria-label="quote"
      data-testid="quote"
      data-escrow={String(quote.escrow)}
      data-price={String(quote.pricePerBytePerSecond)}
      data-slot-size={quote.slotSize}
    >
      <h2>Quote</h2>
      <p>
        {n} slots of {formatBytes(quote.slotSize)} · price{" "}
        {formatEth(perGibMonth(quote.pricePerBytePerSecond))} per GiB·month (
        {String(quote.pricePerBytePerSecond)} wei/B/s) · escrow <b>{formatEth(quote.escrow)}</b> · expected
        durability <b>{formatProbability(quote.durability.survival)}</b> ({quote.durability.nines.toFixed(1)}{" "}
        nines) · {quote.regions} region(s), {quote.infrastructures} infrastructure(s)
      </p>
      <p className="muted">
        The price is the highest asked among the chosen and the cheapest provider left over (if any), so that
        a spare can repair a slot a failed provider frees.
      </p>
      {quote.missing > 0 && (
        <p className="bad">
          Only {quote.chosen.length} provider(s) accept these terms; {quote.missing} more needed. Lower n,
          change the duration, or accept a higher price.
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Slot</th>
            <th>Provider</th>
            <th>Price / GiB·month</th>
            <th>Reputation</th>
            <th>Region</th>
            <th>Infrastructure</th>
            <th>API</th>
          </tr>
        </thead>
        <tbody>
          {quote.chosen.map((c, i) => (
            <tr key={c.address} data-testid="quote-provider" data-address={c.address}>
              <td>{i}</td>
              <td title={c.address}>{shortAddress(c.address)}</td>
              <td>{formatEth(perGibMonth(c.pricePerBytePerSecond))}</td>
              <td>{c.reputation.toFixed(0)} %</td>
              <td>{c.region}</td>
              <td>{c.infrastructure}</td>
              <td className="muted">{c.apiUrl}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {quote.excluded.length > 0 && (
        <details data-testid="quote-excluded">
          <summary>{quote.excluded.length} provider(s) left out</summary>
          <ul>
            {quote.excluded.map((e) => (
              <li key={e.address} data-address={e.address}>
                <span title={e.address}>{shortAddress(e.address)}</span>: {e.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
