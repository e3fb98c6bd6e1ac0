"use client";
/** My storage: the connected client's requests, live from the subgraph and the chain. */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useConnection } from "wagmi";
import { config } from "../../config.ts";
import { describeError } from "../../contracts/describe-error.ts";
import { loadSavedRequests, type SavedRequest } from "../../lib/saved-requests.ts";
import { fetchClientRequestsQueryOptions } from "../../queries/requests.ts";
import { RequestCard } from "./_components/request-card.tsx";

export default function StoragePage() {
  const { address } = useConnection();
  const requests = useQuery(fetchClientRequestsQueryOptions(address, config.pollMs * 2));
  const [saved, setSaved] = useState<SavedRequest[]>([]);
  useEffect(() => setSaved(loadSavedRequests()), []);
  return (
    <>
      <h1>My storage</h1>
      {!address && <p>Connect a wallet to see your storage requests.</p>}
      {requests.error && <p className="bad">The subgraph did not answer: {describeError(requests.error)}</p>}
      {address && requests.data?.length === 0 && <p className="muted">No storage requests yet.</p>}
      {requests.data?.map((r) => (
        <RequestCard key={r.id} id={r.id as `0x${string}`} saved={saved.find((s) => s.requestId === r.id)} />
      ))}
    </>
  );
}
