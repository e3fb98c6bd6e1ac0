/** Every versioned route lives under this prefix. */
export const API_PREFIX = "/api/v1";

/** The version of the REST API (the OpenAPI document's `info.version`). */
export const API_VERSION = "1.0.0";

/** Where the OpenAPI document is served. */
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;

/** The header that carries the bearer token of mutating endpoints. */
export const AUTH_SCHEME = "Bearer";

/** Datasets returned by one `GET /api/v1/data` page unless `limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

/** Longest CID string accepted in a path; real ones are 59 (CIDv1 base32) or 46 (CIDv0). */
export const MAX_CID_LENGTH = 128;

/**
 * Header by which a client hands its own AES-256-GCM key (64 hex characters) for the node
 * to encrypt one upload. The node never generates a key, never stores one and never logs one.
 */
export const ENCRYPTION_KEY_HEADER = "x-cairn-encryption-key";

/** Media types of the trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/). */
export const MEDIA_RAW = "application/vnd.ipld.raw";
export const MEDIA_CAR = "application/vnd.ipld.car";

/** Immutable content: a CID's bytes never change. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=29030400, immutable";

/** Response headers a browser may read across origins (downloads with Range need these). */
export const CORS_EXPOSED_HEADERS = [
  "Content-Length",
  "Content-Range",
  "Accept-Ranges",
  "Content-Disposition",
  "Content-Location",
  "X-Cairn-Encrypted",
  "X-Ipfs-Path",
  "X-Ipfs-Roots",
  "Etag",
];

/** How long a browser may cache a CORS preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** Headers the server waits for before timing a request out, and the whole request's limit. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 0; // uploads of many GiB must not be cut off
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
/** Idle sockets are closed after this long. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** Blocks of one DAG node a download reads at once (256 KiB each). */
export const DOWNLOAD_BLOCK_READ_CONCURRENCY = 8;
/**
 * Leaves a download holds read ahead of what it has yielded to the response (256 KiB
 * each): enough to keep reads overlapping the sending, and the memory bound per download.
 */
export const DOWNLOAD_BLOCK_READ_AHEAD = 16;

/**
 * Stripe worker threads per upload (erasure coding and slot trees). One, not one per
 * core: a second one gained nothing clear over the noise on 2 cores (47 to 78 MiB/s
 * either way, and again 43 to 61 on a later machine) while it cost about 45 MiB of RSS
 * (282 against 237 MiB peak), against the 300 MiB budget for moving 1 GiB (data.md). The
 * one worker is the upload's bottleneck there, so the main thread takes over part of its
 * slot-tree work while it is behind (core/upload.ts).
 */
export const DEFAULT_UPLOAD_STRIPE_WORKERS = 1;
