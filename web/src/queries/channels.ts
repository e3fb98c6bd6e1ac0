import { queryOptions, skipToken } from "@tanstack/react-query";
import { type Config, getChainId } from "@wagmi/core";
import type { Address } from "viem";
import { listChannels } from "../actions/channels.ts";

export function listChannelsQueryOptions(config: Config, sender: Address | undefined, pollMs?: number) {
  return queryOptions({
    queryKey: ["listChannels", getChainId(config), sender],
    queryFn: sender === undefined ? skipToken : () => listChannels(config, { sender }),
    refetchInterval: pollMs,
  });
}
