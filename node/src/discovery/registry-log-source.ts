/**
 * Where the directory's logs come from. `RegistryLogSource` is the seam, so a test or
 * another reader can feed the directory; `pollRegistryLogs`, the daemon's, reads them with
 * viem's getLogs, from the registry's deploy block, in ranges, and then polls for new
 * blocks, applying only logs `confirmations` deep in blocks the client has executed.
 */
import type { Address, PublicClient } from "viem";
import type { Logger } from "../logging/index.ts";
import { type ExecutedHeadClient, executedHead } from "../chain/executed-head.ts";
import { DEFAULT_CONFIRMATIONS, DEFAULT_MAX_BLOCK_RANGE, DEFAULT_POLL_INTERVAL } from "./constants.ts";
import { InvalidDiscoveryConfigError, RegistrySyncError } from "./errors.ts";
import { decodeRegistryLogs, type RegistryLog } from "./registry-events.ts";

/** Logs of a range of blocks, complete: every registry log in [fromBlock, toBlock]. */
export interface RegistryLogBatch {
  logs: RegistryLog[];
  fromBlock: bigint;
  toBlock: bigint;
  /** The newest block the source would deliver right now; `toBlock === head` means caught up. */
  head: bigint;
}

export interface RegistryLogSource {
  /**
   * Delivers the registry's logs in chain order, batch after batch, from `fromBlock`:
   * first the history, then new blocks as they come, until `signal` aborts (then it
   * resolves). Each `onLogs` is awaited before the next batch. Read errors are retried,
   * not thrown.
   */
  run(options: {
    fromBlock: bigint;
    onLogs: (batch: RegistryLogBatch) => void | Promise<void>;
    signal: AbortSignal;
  }): Promise<void>;
}

export interface PollingSourceInit {
  client: Pick<PublicClient, "getBlockNumber" | "getLogs"> & ExecutedHeadClient;
  /** The ProviderRegistry's address. */
  address: Address;
  /** ms between polls once caught up. @default DEFAULT_POLL_INTERVAL (2 s) */
  pollInterval?: number;
  /** Blocks per getLogs call. @default DEFAULT_MAX_BLOCK_RANGE (5000) */
  maxBlockRange?: bigint;
  /** Blocks a log must be under before it is delivered. @default DEFAULT_CONFIRMATIONS (2) */
  confirmations?: number;
  logger?: Logger;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A log source that polls an RPC endpoint with eth_blockNumber and eth_getLogs. */
export function pollRegistryLogs(init: PollingSourceInit): RegistryLogSource {
  const pollInterval = init.pollInterval ?? DEFAULT_POLL_INTERVAL;
  const range = init.maxBlockRange ?? DEFAULT_MAX_BLOCK_RANGE;
  const confirmations = BigInt(init.confirmations ?? DEFAULT_CONFIRMATIONS);
  if (!(pollInterval > 0))
    throw new InvalidDiscoveryConfigError(`pollInterval must be > 0, got ${pollInterval}`);
  if (range <= 0n) throw new InvalidDiscoveryConfigError(`maxBlockRange must be > 0, got ${range}`);
  if (confirmations < 0n)
    throw new InvalidDiscoveryConfigError(`confirmations must be >= 0, got ${confirmations}`);
  return {
    async run({ fromBlock, onLogs, signal }) {
      let next = fromBlock;
      while (!signal.aborted) {
        try {
          const confirmed = (await init.client.getBlockNumber({ cacheTime: 0 })) - confirmations;
          // Confirmed is not always executed: see executed-head.ts.
          const head = await executedHead(init.client, next, confirmed);
          while (next <= head && !signal.aborted) {
            const to = next + range - 1n < head ? next + range - 1n : head;
            let raw: Awaited<ReturnType<typeof init.client.getLogs>>;
            try {
              raw = await init.client.getLogs({ address: init.address, fromBlock: next, toBlock: to });
            } catch (err) {
              throw new RegistrySyncError(`getLogs ${next}..${to} failed: ${String(err)}`, { cause: err });
            }
            if (signal.aborted) return;
            await onLogs({ logs: decodeRegistryLogs(raw), fromBlock: next, toBlock: to, head });
            next = to + 1n;
          }
        } catch (err) {
          if (signal.aborted) return;
          init.logger?.warn("registry log poll failed; retrying", { err, next });
        }
        await sleep(pollInterval, signal);
      }
    },
  };
}
