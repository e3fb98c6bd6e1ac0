/**
 * Discovery: who holds what, and who a provider is.
 *
 * - `createDiscovery` (discovery.ts) announces this node's dataset and slot CIDs in the
 *   private DHT, re-announces them on a timer, and finds the providers of a CID for
 *   sessions.
 * - `ProviderDirectory` (provider-directory.ts) is a fold over ProviderRegistry events:
 *   each provider's wallet, offer, stake and endpoints, found by peer id or address.
 *   `createDirectorySync` keeps it in step with the chain through an injectable log
 *   source (`pollRegistryLogs` until the chain watcher exists) and reports slashes to
 *   reputation.
 *
 *   const discovery = createDiscovery({ dht: libp2p.services.dht, peerId: libp2p.peerId, directory },
 *     { cids: () => metadata.datasets.list().map((d) => d.cid) });
 *   discovery.start();
 *   for await (const p of discovery.findProviders(cid, { limit: 4 })) session.add(p.peerId);
 */
import type { PeerId } from "@libp2p/interface";
import type { CID } from "multiformats/cid";
import { type Logger, logger as createLogger } from "../logging/index.ts";
import type { Registry } from "../metrics/index.ts";
import { Discovery, type DiscoveryDht } from "./discovery.ts";
import { DirectorySync, type DirectorySyncComponents, type DirectorySyncInit } from "./directory-sync.ts";
import type { ProviderDirectory } from "./provider-directory.ts";

export { toCid } from "./cid.ts";
export * from "./constants.ts";
export { DirectorySync, type DirectorySyncInit, REGISTRY_CURSOR } from "./directory-sync.ts";
export {
  Discovery,
  type DiscoveryDht,
  type FindProvidersOptions,
  type FoundProvider,
  type ProvideResult,
  type RoundSummary,
} from "./discovery.ts";
export { apiUrlOf, type Endpoints, labelText, peerIdFromRegistryBytes, splitEndpoints } from "./endpoints.ts";
export * from "./errors.ts";
export {
  type DirectoryChange,
  type ProviderFilter,
  ProviderDirectory,
  type ProviderOffer,
  type ProviderRecord,
} from "./provider-directory.ts";
export { compareLogPosition, decodeRegistryLogs, type RegistryLog } from "./registry-events.ts";
export {
  type PollingSourceInit,
  pollRegistryLogs,
  type RegistryLogBatch,
  type RegistryLogSource,
} from "./registry-log-source.ts";

export interface DiscoveryInit {
  /**
   * The CIDs this node holds and announces: its datasets' and slots' CIDs, never block
   * CIDs. Called at the start of every round, so it always reflects the store.
   */
  cids: () => Iterable<CID | string> | AsyncIterable<CID | string> | Promise<Iterable<CID | string>>;
  /** ms between full rounds. @default DEFAULT_REPROVIDE_INTERVAL (12 h) */
  reprovideInterval?: number;
  /** ms before a CID that reached no peer is tried again. @default DEFAULT_RETRY_INTERVAL (60 s) */
  retryInterval?: number;
  /** ms from start to the first round. @default DEFAULT_INITIAL_DELAY (5 s) */
  initialDelay?: number;
  /** @default DEFAULT_PROVIDE_CONCURRENCY (4) */
  provideConcurrency?: number;
  /** ms for one announcement. @default DEFAULT_PROVIDE_TIMEOUT (60 s) */
  provideTimeout?: number;
  /** ms a lookup runs when the caller gives no signal. @default DEFAULT_FIND_TIMEOUT (30 s) */
  findTimeout?: number;
  /** Providers per lookup when the caller gives no limit. @default DEFAULT_FIND_LIMIT (20) */
  findLimit?: number;
}

export interface DiscoveryComponents {
  /** The node's Kademlia DHT (`libp2p.services.dht`). */
  dht: DiscoveryDht;
  /** This node's peer id, left out of lookups. */
  peerId: PeerId;
  /** When given, found providers carry their registry entry. */
  directory?: Pick<ProviderDirectory, "byPeerId">;
  /** @default logger("discovery") */
  logger?: Logger;
  /** When given, `cairn_discovery_*` metrics go here. */
  metrics?: Registry;
}

export function createDiscovery(components: DiscoveryComponents, init: DiscoveryInit): Discovery {
  return new Discovery(components, init, components.logger ?? createLogger("discovery"));
}

export function createDirectorySync(
  components: Omit<DirectorySyncComponents, "logger"> & { logger?: Logger },
  init: DirectorySyncInit,
): DirectorySync {
  return new DirectorySync(
    { ...components, logger: components.logger ?? createLogger("discovery:registry") },
    init,
  );
}
