/** react-query options for StorageMarket reads; live views poll them. */
import { queryOptions, skipToken } from "@tanstack/react-query";
import { type Config, getChainId } from "@wagmi/core";
import type { Hex } from "viem";
import { readMarketConfig, readRequestInfo, readSlotInfo, readWithdrawable } from "../actions/market.ts";

export function readMarketConfigQueryOptions(config: Config) {
  return queryOptions({
    queryKey: ["readMarketConfig", getChainId(config)],
    queryFn: () => readMarketConfig(config),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function readRequestInfoQueryOptions(config: Config, requestId: Hex | undefined, pollMs?: number) {
  return queryOptions({
    queryKey: ["readRequestInfo", getChainId(config), requestId],
    queryFn: requestId === undefined ? skipToken : () => readRequestInfo(config, { requestId }),
    refetchInterval: pollMs,
  });
}

export function readSlotInfoQueryOptions(config: Config, slotId: Hex, pollMs?: number) {
  return queryOptions({
    queryKey: ["readSlotInfo", getChainId(config), slotId],
    queryFn: () => readSlotInfo(config, { slotId }),
    refetchInterval: pollMs,
  });
}

export function readWithdrawableQueryOptions(config: Config, requestId: Hex) {
  return queryOptions({
    queryKey: ["readWithdrawable", getChainId(config), requestId],
    queryFn: () => readWithdrawable(config, { requestId }),
  });
}
