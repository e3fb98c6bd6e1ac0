/** One provider's subgraph record: slots held, stake history, slashes, earnings. */
import { queryOptions, skipToken } from "@tanstack/react-query";
import type { Sdk } from "@cairn/subgraph/client";
import type { Address } from "viem";
import { subgraphSdk } from "./subgraph.ts";

export type ProviderDetail = NonNullable<Awaited<ReturnType<Sdk["ProviderDetail"]>>["provider"]>;

/** Subgraph ids are lowercase hex. */
export async function fetchProviderDetail(provider: Address, sdk: Sdk = subgraphSdk()) {
  const result = await sdk.ProviderDetail({ provider: provider.toLowerCase() });
  return result.provider ?? null;
}

export function fetchProviderDetailQueryOptions(provider: Address | undefined, pollMs?: number) {
  return queryOptions({
    queryKey: ["fetchProviderDetail", provider?.toLowerCase()],
    queryFn: provider === undefined ? skipToken : () => fetchProviderDetail(provider),
    refetchInterval: pollMs,
  });
}
