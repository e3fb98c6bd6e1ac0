/** Seconds from the request by which every slot must be filled, when the client names none (capped below the duration). */
export const DEFAULT_EXPIRY_SECONDS = 3_600;

/** A slot proves in a period with probability 1 / this, when the client names none. */
export const DEFAULT_PROOF_PROBABILITY = 4;

/** Collateral per byte asked of providers when the client names none (wei/B). */
export const DEFAULT_COLLATERAL_PER_BYTE = 0n;

/** ms between reads of a request's on-chain state while it waits to start. */
export const DEFAULT_FOLLOW_INTERVAL_MS = 2_000;

/** ms between reads once the request runs: it changes state only at its end or a failure. */
export const DEFAULT_RUNNING_INTERVAL_MS = 30_000;

/** Attempts to push one slot before it waits a whole follow interval and tries again. */
export const DEFAULT_PUSH_ATTEMPTS = 3;

/** ms before a failed push is retried; it doubles per attempt. */
export const DEFAULT_PUSH_RETRY_MS = 500;

/** The longest wait before a slot whose provider refused every try of a round is tried again, ms. */
export const PUSH_MAX_BACKOFF_MS = 60_000;

/** Slots pushed at once. */
export const DEFAULT_PUSH_CONCURRENCY = 2;

/** ms a provider may take to answer one slot push (the bytes stream in that time). */
export const DEFAULT_PUSH_TIMEOUT_MS = 300_000;

/** The provider's slot upload route, under its REST API origin. */
export const SLOT_UPLOAD_PATH = "/api/v1/slots";

/** Purchase states that need no more work. */
export const TERMINAL_STATES: readonly string[] = ["withdrawn", "aborted"];
/** States in which the client's node still pushes slots, so it needs its own copy. */
export const NEEDS_LOCAL_COPY: readonly string[] = ["quoted", "requested", "uploading"];

/** How long a quote waits for a provider's REST API to answer before leaving it out. */
export const PROVIDER_PROBE_TIMEOUT_MS = 3_000;
