/** A client's storage requests and one request's detail, from the subgraph. */
import { queryOptions, skipToken } from "@tanstack/react-query";
import type { Sdk } from "@cairn/subgraph/client";
import type { Address, Hex } from "viem";
import { subgraphSdk } from "./subgraph.ts";

export type ClientRequest = Awaited<ReturnType<Sdk["ClientRequests"]>>["storageRequests"][number];
export type RequestDetail = NonNullable<Awaited<ReturnType<Sdk["RequestDetail"]>>["storageRequest"]>;

export async function fetchClientRequests(
  client: Address,
  sdk: Sdk = subgraphSdk(),
): Promise<ClientRequest[]> {
  const rows: ClientRequest[] = [];
  for (let skip = 0; ; skip += 50) {
    const page = await sdk.ClientRequests({ client: client.toLowerCase(), first: 50, skip });
    rows.push(...page.storageRequests);
    if (page.storageRequests.length < 50) return rows;
  }
}

export function fetchClientRequestsQueryOptions(client: Address | undefined, pollMs?: number) {
  return queryOptions({
    queryKey: ["fetchClientRequests", client?.toLowerCase()],
    queryFn: client === undefined ? skipToken : () => fetchClientRequests(client),
    refetchInterval: pollMs,
  });
}

export async function fetchRequestDetail(id: Hex, sdk: Sdk = subgraphSdk()): Promise<RequestDetail | null> {
  return (await sdk.RequestDetail({ id: id.toLowerCase() })).storageRequest ?? null;
}

export function fetchRequestDetailQueryOptions(id: Hex, pollMs?: number) {
  return queryOptions({
    queryKey: ["fetchRequestDetail", id.toLowerCase()],
    queryFn: () => fetchRequestDetail(id),
    refetchInterval: pollMs,
  });
}
