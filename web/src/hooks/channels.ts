"use client";
/** Thin hooks over actions/channels.ts. */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useConfig } from "wagmi";
import {
  depositChannel,
  openChannel,
  requestChannelClose,
  withdrawChannelRemainder,
} from "../actions/channels.ts";
import { listChannelsQueryOptions } from "../queries/channels.ts";
import { useContractAction } from "./use-contract-action.ts";

export const useOpenChannel = () => useContractAction(openChannel);
export const useDepositChannel = () => useContractAction(depositChannel);
export const useRequestChannelClose = () => useContractAction(requestChannelClose);
export const useWithdrawChannelRemainder = () => useContractAction(withdrawChannelRemainder);

export function useListChannels(sender: Address | undefined, pollMs?: number) {
  return useQuery(listChannelsQueryOptions(useConfig(), sender, pollMs));
}
