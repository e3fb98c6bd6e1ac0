/** Protocol id of Cairn's private Kademlia DHT; it never meets the public IPFS DHT. */
export const KAD_PROTOCOL = "/cairn/kad/1.0.0";

/** The network's folder inside the data folder. */
export const P2P_DIR = "p2p";

/** The libp2p private key (protobuf, as libp2p encodes it), mode 0600, inside `P2P_DIR`. */
export const PEER_KEY_FILE = "peer.key";

/** The peer store and DHT provider records, inside `P2P_DIR`. */
export const DATASTORE_DIR = "datastore";

/** TCP and WebSockets on all interfaces, on fixed ports so peers can bootstrap to us. */
export const DEFAULT_LISTEN_ADDRESSES: readonly string[] = [
  "/ip4/0.0.0.0/tcp/4001",
  "/ip4/0.0.0.0/tcp/4002/ws",
];

/** Open connections at most; libp2p prunes the least useful beyond this. */
export const DEFAULT_MAX_CONNECTIONS = 200;

/** Inbound connections still upgrading (Noise, Yamux) at once; more are refused. */
export const DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS = 16;

/** Inbound connections accepted per second from one host before it is refused. */
export const DEFAULT_INBOUND_CONNECTION_THRESHOLD = 10;

/** Ms for one dial, all addresses included. */
export const DEFAULT_DIAL_TIMEOUT = 10_000;

/** File mode of the peer key: readable by the node's user only. */
export const PEER_KEY_MODE = 0o600;

/** Ms between dials of the bootstrap peers while the node has no connection at all. */
export const BOOTSTRAP_REDIAL_INTERVAL_MS = 5_000;

/**
 * Ms from the first DHT peer's connection after a spell with none (a reconnection) to the
 * node's own lookup of itself in the DHT (see dht-rejoin.ts). A second is ample for
 * kad-dht to check the peer and put it in its routing table, even on a busy machine.
 */
export const DHT_REJOIN_LOOKUP_DELAY_MS = 1_000;

/**
 * Ms from the first DHT peer's connection after start to each of the node's own lookups
 * of itself (kad-dht's own runs at once). The first comes once the nodes that joined
 * along with it have registered with the peers it asks on an idle machine; the later ones
 * catch those that came up slowly on a loaded one. After these, kad-dht's 5-minute
 * routing table refresh takes over.
 */
export const DHT_FIRST_JOIN_LOOKUP_DELAYS_MS: readonly number[] = [3_000, 10_000, 30_000, 90_000];

/**
 * Connected DHT peers at which those lookups stop: kad-dht's bucket size, the number of
 * closest peers a lookup returns. In a large network a node has that many after its first
 * lookup, and each further one would only add load (a 50-node test ran 80% longer).
 */
export const DHT_FIRST_JOIN_ENOUGH_PEERS = 20;

/** Ms that lookup may take at most; kad-dht gives its routing table refreshes as long. */
export const DHT_REJOIN_LOOKUP_TIMEOUT_MS = 30_000;
