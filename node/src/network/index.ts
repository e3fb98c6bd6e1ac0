/**
 * The node's libp2p 3 network: TCP and WebSockets, Noise, Yamux, identify, ping and a
 * private Kademlia DHT (`/cairn/kad/1.0.0`, server mode, no public bootstrap). The peer
 * identity and the peer store (with DHT provider records) persist under `<dataDir>/p2p/`,
 * so a restarted node keeps its peer id and remembers the peers it knew.
 *
 * `createNetwork` returns the libp2p node unstarted; protocols (the block exchange)
 * register their handlers on it before the daemon calls `start()`.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { bootstrap } from "@libp2p/bootstrap";
import { identify } from "@libp2p/identify";
import type { Identify } from "@libp2p/identify";
import type { Libp2p, PrivateKey } from "@libp2p/interface";
import {
  type KadDHT,
  type KadDHTInit,
  kadDHT,
  passthroughMapper,
  removePrivateAddressesMapper,
} from "@libp2p/kad-dht";
import { noise } from "@libp2p/noise";
import { type Ping, ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { yamux } from "@libp2p/yamux";
import type { Datastore } from "interface-datastore";
import { createLibp2p, type Libp2pOptions } from "libp2p";
import { type Logger, logger as createLogger } from "../logging/index.ts";
import {
  BOOTSTRAP_REDIAL_INTERVAL_MS,
  DATASTORE_DIR,
  DHT_FIRST_JOIN_ENOUGH_PEERS,
  DHT_FIRST_JOIN_LOOKUP_DELAYS_MS,
  DHT_REJOIN_LOOKUP_DELAY_MS,
  DHT_REJOIN_LOOKUP_TIMEOUT_MS,
  DEFAULT_DIAL_TIMEOUT,
  DEFAULT_INBOUND_CONNECTION_THRESHOLD,
  DEFAULT_LISTEN_ADDRESSES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS,
  KAD_PROTOCOL,
  P2P_DIR,
  PEER_KEY_FILE,
} from "./constants.ts";
import { BootstrapRedial } from "./bootstrap-redial.ts";
import { DhtRejoin } from "./dht-rejoin.ts";
import { loadOrCreatePeerKey } from "./identity.ts";
import { libp2pLogger } from "./libp2p-logger.ts";
import { PeerDatastore } from "./peer-datastore.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { loadOrCreatePeerKey } from "./identity.ts";
export { libp2pLogger } from "./libp2p-logger.ts";

// A type alias, not an interface: libp2p's `ServiceMap` constraint needs an index signature.
export type NetworkServices = {
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
};

export type CairnLibp2p = Libp2p<NetworkServices>;

export interface NetworkInit {
  /**
   * Folder for the peer key and the peer store; normally `<dataDir>/p2p`. When omitted
   * the node gets a fresh identity and an in-memory peer store (tests, one-off tools).
   */
  dir?: string;
  /** Use this key instead of the one in `dir` (tests). */
  privateKey?: PrivateKey;
  /** Multiaddrs to listen on. @default DEFAULT_LISTEN_ADDRESSES (TCP 4001, WebSockets 4002) */
  listen?: readonly string[];
  /** Multiaddrs to tell peers instead of the listen addresses (a public IP, a DNS name). @default [] */
  announce?: readonly string[];
  /** Multiaddrs with `/p2p/<peer id>` dialled on start to join the DHT. @default [] */
  bootstrap?: readonly string[];
  /** @default DEFAULT_MAX_CONNECTIONS (200) */
  maxConnections?: number;
  /** @default DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS (16) */
  maxIncomingPendingConnections?: number;
  /** Inbound connections per second per host. @default DEFAULT_INBOUND_CONNECTION_THRESHOLD (10) */
  inboundConnectionThreshold?: number;
  /** @default DEFAULT_DIAL_TIMEOUT (10 s) */
  dialTimeout?: number;
  /**
   * Keep private and loopback addresses in DHT records. Cairn networks are often a LAN
   * or one machine, so this is on; turn it off for a node on the public internet.
   * @default true
   */
  allowPrivateAddresses?: boolean;
  /**
   * DHT tuning. Leave unset in production to get kad-dht's defaults: provider records are
   * valid 48 h, and what this node provides is re-provided from its persisted records
   * (checked hourly, 24 h before expiry), so dataset CIDs stay findable across restarts.
   * Tests shorten the self-query interval.
   */
  dht?: Pick<
    KadDHTInit,
    "querySelfInterval" | "initialQuerySelfInterval" | "kBucketSize" | "reprovide" | "providers"
  >;
}

export interface NetworkComponents {
  /** @default logger("network") */
  logger?: Logger;
}

export interface NetworkPaths {
  dir: string;
  peerKey: string;
  datastore: string;
}

/** Where the network keeps its files inside a data folder. */
export function networkPaths(dataDir: string): NetworkPaths {
  const dir = join(dataDir, P2P_DIR);
  return { dir, peerKey: join(dir, PEER_KEY_FILE), datastore: join(dir, DATASTORE_DIR) };
}

/** Builds the libp2p node, unstarted. */
export async function createNetwork(components: NetworkComponents, init: NetworkInit): Promise<CairnLibp2p> {
  const log = components.logger ?? createLogger("network");
  let privateKey = init.privateKey;
  let datastore: Datastore | undefined;
  if (init.dir !== undefined) {
    const paths = { peerKey: join(init.dir, PEER_KEY_FILE), datastore: join(init.dir, DATASTORE_DIR) };
    if (privateKey === undefined) {
      const loaded = await loadOrCreatePeerKey(paths.peerKey);
      privateKey = loaded.privateKey;
      if (loaded.created) log.info("created peer key", { path: paths.peerKey });
    }
    await mkdir(paths.datastore, { recursive: true, mode: 0o700 });
    const peerDatastore = new PeerDatastore(paths.datastore, log.child("datastore"));
    await peerDatastore.open();
    datastore = peerDatastore;
  }

  const peerDiscovery: NonNullable<Libp2pOptions["peerDiscovery"]> = [];
  if ((init.bootstrap ?? []).length > 0) {
    peerDiscovery.push(bootstrap({ list: [...(init.bootstrap ?? [])] }));
  }

  const node = await createLibp2p({
    start: false,
    logger: libp2pLogger(log),
    privateKey,
    datastore,
    addresses: {
      listen: [...(init.listen ?? DEFAULT_LISTEN_ADDRESSES)],
      announce: [...(init.announce ?? [])],
    },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionMonitor: {
      // The monitor pings every connection every 10 s and, by default, aborts one whose ping
      // fails. On a busy node a ping can fail for want of time, not of a peer: the next
      // heartbeat found the last one's stream still open (one outbound ping stream per peer,
      // as the spec asks) and the monitor aborted a connection carrying 20 downloads. A dead
      // peer still shows: exchange wants time out and are asked elsewhere, and DHT queries
      // time out.
      abortConnectionOnPingFailure: false,
    },
    connectionManager: {
      maxConnections: init.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      maxIncomingPendingConnections:
        init.maxIncomingPendingConnections ?? DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS,
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? DEFAULT_INBOUND_CONNECTION_THRESHOLD,
      dialTimeout: init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT,
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: KAD_PROTOCOL,
        // Every Cairn node serves the DHT: there is no public network to detect reachability against.
        clientMode: false,
        peerInfoMapper:
          (init.allowPrivateAddresses ?? true) ? passthroughMapper : removePrivateAddressesMapper,
        ...init.dht,
      }),
    },
  });
  const bootstrapList = init.bootstrap ?? [];
  if (bootstrapList.length > 0) {
    const redial = new BootstrapRedial(
      node,
      bootstrapList,
      BOOTSTRAP_REDIAL_INTERVAL_MS,
      log.child("bootstrap"),
    );
    node.addEventListener("start", () => redial.start());
    node.addEventListener("stop", () => redial.stop());
  }
  const rejoin = new DhtRejoin(
    node.services.dht,
    node.peerId,
    {
      delayMs: DHT_REJOIN_LOOKUP_DELAY_MS,
      firstJoinDelaysMs: DHT_FIRST_JOIN_LOOKUP_DELAYS_MS,
      enoughPeers: DHT_FIRST_JOIN_ENOUGH_PEERS,
      timeoutMs: DHT_REJOIN_LOOKUP_TIMEOUT_MS,
    },
    log.child("dht"),
  );
  // Registered before start: libp2p's "start" event comes after the node listens, and
  // the first DHT peer may connect in between.
  await node.register(KAD_PROTOCOL, rejoin.topology);
  node.addEventListener("start", () => rejoin.start());
  node.addEventListener("stop", () => rejoin.stop());
  log.debug("network created", { peerId: node.peerId.toString() });
  return node;
}
