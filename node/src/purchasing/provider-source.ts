/**
 * Where a quote's candidate providers come from. The node's `ProviderDirectory`
 * (discovery) answers from memory once it is in step with the chain; without one, the
 * registry's events are read once per quote with getLogs and folded into a fresh
 * directory, which gives the same records at the cost of a scan.
 */
import type { Address, PublicClient } from "viem";
import {
  type DirectorySync,
  decodeRegistryLogs,
  ProviderDirectory,
  type ProviderRecord,
} from "../discovery/index.ts";
import { ProvidersNotReadyError } from "./errors.ts";

export interface ProviderSource {
  /** Every registered provider, paused ones included (the quote says why it skips them). */
  providers(): Promise<ProviderRecord[]>;
}

/**
 * Providers from a directory that another service keeps in step with the chain. With its
 * `sync`, a quote is refused until the directory has caught up once: a half-read registry
 * would quote from whoever registered first.
 */
export function directoryProviderSource(
  directory: Pick<ProviderDirectory, "list">,
  sync?: Pick<DirectorySync, "ready">,
): ProviderSource {
  return {
    async providers() {
      if (sync !== undefined && !sync.ready)
        throw new ProvidersNotReadyError(
          "the provider directory is still reading the registry's events; try again shortly",
        );
      return directory.list({ includePaused: true });
    },
  };
}

export interface RegistryScanInit {
  /** ProviderRegistry's address. */
  registry: Address;
  /** The registry's deploy block: where the scan starts. */
  fromBlock: bigint;
  /** Blocks per getLogs call. @default 5000 */
  batchBlocks?: bigint;
}

/** Providers read from the registry's events on every call. */
export function registryScanProviderSource(
  client: Pick<PublicClient, "getBlockNumber" | "getLogs">,
  init: RegistryScanInit,
): ProviderSource {
  const batch = init.batchBlocks ?? 5_000n;
  return {
    async providers() {
      const directory = new ProviderDirectory();
      const head = await client.getBlockNumber();
      for (let from = init.fromBlock; from <= head; from += batch) {
        const to = from + batch - 1n < head ? from + batch - 1n : head;
        const logs = await client.getLogs({ address: init.registry, fromBlock: from, toBlock: to });
        for (const log of decodeRegistryLogs(logs)) directory.apply(log);
      }
      return directory.list({ includePaused: true });
    },
  };
}
