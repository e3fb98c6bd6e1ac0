/**
 * How often every held dataset and slot CID is announced again. kad-dht keeps a provider
 * record for 24 h on the nodes that store it, so twice a day leaves a whole missed round
 * of slack. 12 h in ms.
 */
export const DEFAULT_REPROVIDE_INTERVAL = 12 * 3600 * 1000;

/** A CID whose announcement reached no peer (an empty routing table) is tried again this soon. ms. */
export const DEFAULT_RETRY_INTERVAL = 60_000;

/** The first round waits this long after start, so bootstrap connections can fill the routing table. ms. */
export const DEFAULT_INITIAL_DELAY = 5_000;

/** Announcements in flight at once; each is a DHT walk plus up to k ADD_PROVIDER messages. */
export const DEFAULT_PROVIDE_CONCURRENCY = 4;

/** The most one announcement may take. ms. */
export const DEFAULT_PROVIDE_TIMEOUT = 60_000;

/** The most a `findProviders` lookup runs when the caller gives no signal. ms. */
export const DEFAULT_FIND_TIMEOUT = 30_000;

/** Providers yielded by one lookup when the caller gives no limit. */
export const DEFAULT_FIND_LIMIT = 20;

/** Registry logs are fetched at most this many blocks per `eth_getLogs` call. */
export const DEFAULT_MAX_BLOCK_RANGE = 5_000n;

/** How often the chain is polled for new registry logs. ms (the devnet mines every 2 s). */
export const DEFAULT_POLL_INTERVAL = 2_000;

/**
 * Logs are applied only once this many blocks deep, so a short reorg never reaches the
 * directory (it is a fold and has no undo). A reorg-aware watcher can set 0.
 */
export const DEFAULT_CONFIRMATIONS = 2;

/** Multiaddrs kept per provider, and the longest kept, so a registrant cannot bloat the directory. */
export const MAX_MULTIADDRS = 16;
export const MAX_MULTIADDR_LENGTH = 256;

/** DHT walks one lookup makes at most while it has found nobody. */
export const DEFAULT_FIND_ATTEMPTS = 3;

/** Pause before the second walk of a lookup, doubled before the third. ms. */
export const FIND_RETRY_DELAY = 500;
