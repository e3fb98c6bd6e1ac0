"use client";
/** One request: state, slots and their hosts, proofs, misses, repairs, time left; withdraw and download. */
import { useQuery } from "@tanstack/react-query";
import { CID } from "multiformats/cid";
import { type Hex, hexToBytes } from "viem";
import { useBlock } from "wagmi";
import { TxStatus } from "../../../components/tx-status.tsx";
import { config } from "../../../config.ts";
import { useReadWithdrawable, useWithdrawRequest } from "../../../hooks/market.ts";
import { formatBytes, formatDuration, formatEth, shortAddress } from "../../../lib/format.ts";
import { findApiUrl } from "../../../lib/multiaddr.ts";
import { decodeLabel } from "../../../lib/offer.ts";
import type { SavedRequest } from "../../../lib/saved-requests.ts";
import { fetchProvidersQueryOptions } from "../../../queries/market.ts";
import { fetchRequestDetailQueryOptions } from "../../../queries/requests.ts";
import { DownloadButton } from "./download-button.tsx";

export function RequestCard({ id, saved }: { id: Hex; saved: SavedRequest | undefined }) {
  const detail = useQuery(fetchRequestDetailQueryOptions(id, config.pollMs * 2));
  const providers = useQuery(fetchProvidersQueryOptions());
  const withdrawable = useReadWithdrawable(id);
  const withdraw = useWithdrawRequest();
  const block = useBlock({ watch: true });
  const r = detail.data;
  if (!r) return null;
  const now = Number(block.data?.timestamp ?? 0);
  const left = r.state === "Started" && r.endsAt ? Number(r.endsAt) - now : undefined;
  const apiOf = (host: string | undefined) =>
    findApiUrl(providers.data?.find((p) => p.id === host)?.multiaddrs ?? []);
  const slotApiUrls = r.slots.map((s) => (s.state === "Filled" ? apiOf(s.host?.id) : undefined));
  return (
    <section aria-label={`request ${id}`} data-testid="request" data-request-id={id} data-state={r.state}>
      <h2>
        {saved?.name ?? "Request"} <code className="muted">{shortAddress(id)}</code> · {r.state}
      </h2>
      <p>
        {r.dataSlots} of {r.slotCount} slots needed · {formatBytes(BigInt(r.slotSize))} each · escrow{" "}
        {formatEth(BigInt(r.escrow))} ·{" "}
        {left === undefined
          ? r.state === "New"
            ? "waiting for slots to fill"
            : r.state.toLowerCase()
          : left > 0
            ? `${formatDuration(left)} left`
            : "ended"}
      </p>
      <table>
        <thead>
          <tr>
            <th>Slot</th>
            <th>State</th>
            <th>Host</th>
            <th>Region</th>
            <th>Proofs</th>
            <th>Misses</th>
            <th>Repaired</th>
          </tr>
        </thead>
        <tbody>
          {r.slots.map((s) => (
            <tr key={s.id} data-testid="request-slot" data-state={s.state} data-host={s.host?.id ?? ""}>
              <td>{s.index}</td>
              <td>{s.state}</td>
              <td title={s.host?.id}>{s.host ? shortAddress(s.host.id) : "—"}</td>
              <td>{s.host ? decodeLabel(s.host.region) : "—"}</td>
              <td>{s.proofCount}</td>
              <td>{s.missedProofCount}</td>
              <td>{s.repaired ? "yes" : "no"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {withdrawable.data !== undefined && withdrawable.data > 0n && (
        <button type="button" disabled={withdraw.busy} onClick={() => withdraw.run({ requestId: id })}>
          Withdraw {formatEth(withdrawable.data)}
        </button>
      )}
      <TxStatus status={withdraw.status} label="withdraw" />
      <DownloadButton
        cid={CID.decode(hexToBytes(r.cid as Hex)).toString()}
        slotApiUrls={slotApiUrls}
        saved={saved}
      />
    </section>
  );
}
