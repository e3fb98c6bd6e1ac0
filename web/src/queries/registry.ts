/** react-query options for the registry reads: the key names the action and its inputs. */
import { queryOptions, skipToken } from "@tanstack/react-query";
import { type Config, getChainId } from "@wagmi/core";
import type { Address } from "viem";
import { readProviderInfo, readProviderOffer, readRegistryConfig } from "../actions/registry.ts";

export function readProviderInfoQueryOptions(config: Config, provider: Address | undefined) {
  return queryOptions({
    queryKey: ["readProviderInfo", getChainId(config), provider],
    queryFn: provider === undefined ? skipToken : () => readProviderInfo(config, { provider }),
  });
}

export function readProviderOfferQueryOptions(config: Config, provider: Address | undefined) {
  return queryOptions({
    queryKey: ["readProviderOffer", getChainId(config), provider],
    queryFn: provider === undefined ? skipToken : () => readProviderOffer(config, { provider }),
  });
}

export function readRegistryConfigQueryOptions(config: Config) {
  return queryOptions({
    queryKey: ["readRegistryConfig", getChainId(config)],
    queryFn: () => readRegistryConfig(config),
    staleTime: Number.POSITIVE_INFINITY,
  });
}
