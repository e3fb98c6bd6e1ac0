/** The libp2p protocol id of the block exchange. */
export const PROTOCOL_NAME = "/cairn/exchange/1.0.0";

/**
 * Largest frame (one encoded `Message`) either side reads or writes. Bitswap uses the same
 * 4 MiB; it holds one 2 MiB block (the store's largest) plus headroom, and senders split
 * bigger batches into several messages.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/**
 * A stream is aborted when no complete message arrives within this many ms. The timer
 * restarts after every message, so a long transfer is fine but a stalled or trickling
 * peer cannot hold a stream (and its buffer) forever.
 */
export const DEFAULT_MESSAGE_TIMEOUT = 30_000;

/** A length prefix of more bytes than this cannot be a frame we accept (2^35 > any limit). */
export const MAX_LENGTH_PREFIX_BYTES = 5;

/**
 * Concurrent exchange streams a remote peer may open to us per connection. A client opens
 * one per download per provider, plus one briefly for a payment its session could not send,
 * and a closing session holds its stream up to DEFAULT_CLOSE_TIMEOUT: a node answering 20
 * HTTP downloads at once needed more than 32 (the concurrent-downloads test). Each stream
 * costs a small buffer; the DecisionEngine shares serving fairly whatever their number.
 */
export const DEFAULT_MAX_INBOUND_STREAMS = 128;

/** Concurrent exchange streams we open to one peer per connection (see the inbound limit). */
export const DEFAULT_MAX_OUTBOUND_STREAMS = 128;

/** Blocks a client asks one provider for in one wantlist message. */
export const DEFAULT_MAX_WANTS_PER_MESSAGE = 64;

/** Blocks a session keeps in flight with one provider before waiting for answers. */
export const DEFAULT_SESSION_WINDOW = 16;

/** How long a session waits for a wanted block before giving up on it (ms). */
export const DEFAULT_BLOCK_TIMEOUT = 15_000;

/** Price quoted per block when the node's config sets none (wei). */
export const DEFAULT_PRICE_PER_BLOCK = 0n;

/**
 * A provider sends what it has gathered once a response reaches this size rather than
 * filling a whole message, so the client can verify and refill its window sooner.
 */
export const DEFAULT_FLUSH_BYTES = 512 * 1024;

/** Wantlist entries a provider looks up and reads from disk ahead of the one it is sending. */
export const DEFAULT_READ_AHEAD = 4;

/** Blocks served at once across all peers; past it, turns go round robin by priority. */
export const DEFAULT_SERVE_SLOTS = 8;

/** Wants a peer may send per second (a 256 KiB block each: 2 GiB/s). */
export const DEFAULT_MAX_WANTS_PER_SECOND = 8192;

/** Block bytes served to one peer per second; Infinity means no limit. */
export const DEFAULT_MAX_BYTES_PER_SECOND = Number.POSITIVE_INFINITY;

/** How long (ms) a provider waits for a voucher from a peer past its credit before cutting it off. */
export const DEFAULT_PAYMENT_TIMEOUT = 10_000;

/** Bytes of recently served blocks kept in memory. */
export const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * A paying-reputation score (0 to 100) at or above this gets the full credit limit; below
 * it the limit shrinks in proportion, to nothing at 0 (the free allowance still applies).
 */
export const FULL_CREDIT_SCORE = 50;

/** Blocks a download keeps in flight at most with one provider. */
export const DEFAULT_SOURCE_MAX_WINDOW = 64;

/** Blocks a download's sequential reader requests ahead of the one it is reading. */
export const DEFAULT_PREFETCH = 64;

/**
 * How long (ms) closing a session waits for the provider to close its side before
 * resetting the stream: a provider that never closes must not hold the client.
 */
export const DEFAULT_CLOSE_TIMEOUT = 2_000;
