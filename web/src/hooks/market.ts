"use client";
/** Thin hooks over actions/market.ts and its query options. */
import { useQuery } from "@tanstack/react-query";
import type { Hex } from "viem";
import { useConfig } from "wagmi";
import { requestStorage, withdrawRequest } from "../actions/market.ts";
import {
  readMarketConfigQueryOptions,
  readRequestInfoQueryOptions,
  readSlotInfoQueryOptions,
  readWithdrawableQueryOptions,
} from "../queries/market-reads.ts";
import { useContractAction } from "./use-contract-action.ts";

export const useRequestStorage = () => useContractAction(requestStorage);
export const useWithdrawRequest = () => useContractAction(withdrawRequest);

export function useReadMarketConfig() {
  return useQuery(readMarketConfigQueryOptions(useConfig()));
}

export function useReadRequestInfo(requestId: Hex | undefined, pollMs?: number) {
  return useQuery(readRequestInfoQueryOptions(useConfig(), requestId, pollMs));
}

export function useReadSlotInfo(slotId: Hex, pollMs?: number) {
  return useQuery(readSlotInfoQueryOptions(useConfig(), slotId, pollMs));
}

export function useReadWithdrawable(requestId: Hex) {
  return useQuery(readWithdrawableQueryOptions(useConfig(), requestId));
}
