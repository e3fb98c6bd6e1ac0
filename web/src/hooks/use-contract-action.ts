"use client";
/**
 * Runs one write action with the current wagmi config and tracks its status for the UI.
 * The named hooks (useRegisterProvider, …) are this with their action filled in.
 */
import { useQueryClient } from "@tanstack/react-query";
import type { Config } from "@wagmi/core";
import { useCallback, useState } from "react";
import { useConfig } from "wagmi";
import type { OnStatus, TransactionResult, TransactionStatus } from "../actions/send-contract-transaction.ts";

export function useContractAction<P, R extends TransactionResult>(
  action: (config: Config, params: P, onStatus?: OnStatus) => Promise<R>,
) {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<TransactionStatus>({ phase: "idle" });
  const run = useCallback(
    async (params: P) => {
      const result = await action(config, params, setStatus);
      // Whatever the page shows may have changed: reads and subgraph queries refetch.
      if (result.ok) await queryClient.invalidateQueries();
      return result;
    },
    [action, config, queryClient],
  );
  const busy = status.phase === "simulating" || status.phase === "signing" || status.phase === "pending";
  return { run, status, busy, reset: () => setStatus({ phase: "idle" }) };
}

/** The same for actions without parameters (withdraw, pause, resume). */
export function useContractActionNoParams<R extends TransactionResult>(
  action: (config: Config, onStatus?: OnStatus) => Promise<R>,
) {
  return useContractAction<void, R>(
    // biome-ignore lint/suspicious/noConfusingVoidType: `void` lets callers write run() with no argument
    useCallback((config: Config, _: void, onStatus?: OnStatus) => action(config, onStatus), [action]),
  );
}
