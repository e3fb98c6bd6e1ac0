"use client";
/** Thin hooks over actions/registry.ts, one per action, sharing its name. */
import { useQuery } from "@tanstack/react-query";
import { useConfig } from "wagmi";
import type { Address } from "viem";
import {
  addStake,
  pauseProvider,
  registerProvider,
  requestWithdrawal,
  resumeProvider,
  updateEndpoints,
  updateOffer,
  withdrawStake,
} from "../actions/registry.ts";
import {
  readProviderInfoQueryOptions,
  readProviderOfferQueryOptions,
  readRegistryConfigQueryOptions,
} from "../queries/registry.ts";
import { useContractAction, useContractActionNoParams } from "./use-contract-action.ts";

export const useRegisterProvider = () => useContractAction(registerProvider);
export const useAddStake = () => useContractAction(addStake);
export const useRequestWithdrawal = () => useContractAction(requestWithdrawal);
export const useWithdrawStake = () => useContractActionNoParams(withdrawStake);
export const useUpdateOffer = () => useContractAction(updateOffer);
export const useUpdateEndpoints = () => useContractAction(updateEndpoints);
export const usePauseProvider = () => useContractActionNoParams(pauseProvider);
export const useResumeProvider = () => useContractActionNoParams(resumeProvider);

export function useReadProviderInfo(provider: Address | undefined) {
  return useQuery(readProviderInfoQueryOptions(useConfig(), provider));
}

export function useReadProviderOffer(provider: Address | undefined) {
  return useQuery(readProviderOfferQueryOptions(useConfig(), provider));
}

export function useReadRegistryConfig() {
  return useQuery(readRegistryConfigQueryOptions(useConfig()));
}
