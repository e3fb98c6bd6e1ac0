/**
 * ProviderRegistry logs, decoded against the generated ABI. The directory folds over
 * these; whatever delivers them (the polling source here, or the chain watcher) decodes
 * raw logs with `decodeRegistryLogs`.
 */
import { type DecodeEventLogReturnType, type Hex, type Log, parseEventLogs } from "viem";
import { providerRegistryAbi } from "../generated/contracts.ts";

export type RegistryAbi = typeof providerRegistryAbi;

/** One decoded registry event with where it sits in the chain. */
export type RegistryLog = DecodeEventLogReturnType<RegistryAbi> & {
  blockNumber: bigint;
  logIndex: number;
  transactionHash?: Hex;
};

/** Decodes raw logs (from getLogs or a watcher); logs of other contracts or unknown events are dropped. */
export function decodeRegistryLogs(logs: readonly Log[]): RegistryLog[] {
  const decoded = parseEventLogs({ abi: providerRegistryAbi, logs: [...logs], strict: true });
  const out: RegistryLog[] = [];
  for (const log of decoded) {
    // Pending logs have no position yet; the directory only takes mined ones.
    if (log.blockNumber === null || log.logIndex === null) continue;
    out.push({
      eventName: log.eventName,
      args: log.args,
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      transactionHash: log.transactionHash ?? undefined,
    } as RegistryLog);
  }
  return out;
}

/** Chain order of two logs: negative when `a` comes first. */
export function compareLogPosition(
  a: { blockNumber: bigint; logIndex: number },
  b: { blockNumber: bigint; logIndex: number },
): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.logIndex - b.logIndex;
}
