/** Ms between the sales agent's passes over its candidate slots and its collections. */
export const DEFAULT_SALES_POLL_INTERVAL_MS = 1_000;

/** Fill attempts (each with a fresh period seed) before a slot's fill is given up. */
export const DEFAULT_FILL_ATTEMPTS = 6;

/**
 * Blocks kept free at the end of a period when a fill is timed: the proof names the period
 * the transaction is mined in, so a fill started in a period's last block would land in
 * the next one and revert (`StorageMarketWrongPeriod`).
 */
export const FILL_SLACK_BLOCKS = 1n;

/** Attempts to take a candidate slot (fetch, rebuild, fill) before the agent gives up on it. */
export const DEFAULT_TAKE_ATTEMPTS = 5;

/** Ms before a candidate slot is tried again: doubled per failed attempt, up to the max. */
export const TAKE_RETRY_MIN_MS = 2_000;
export const TAKE_RETRY_MAX_MS = 120_000;

/** Ms before a slot waiting for k other slots to be filled (and fetchable) is looked at again. */
export const DEFAULT_SOURCE_WAIT_MS = 15_000;

/** Ms a fetch of another provider's slot may stall between bytes before it is dropped. */
export const DEFAULT_FETCH_IDLE_TIMEOUT_MS = 30_000;

/** Block puts in flight while a slot streams in. */
export const SLOT_WRITE_CONCURRENCY = 8;

/** IStorageMarket.RequestState, by name and number. */
export const REQUEST_STATE_NAMES = ["None", "New", "Started", "Finished", "Failed", "Cancelled"] as const;

/** IStorageMarket.SlotState, by number. */
export const SLOT_STATE_NAMES = ["Free", "Filled", "Repair", "Collected"] as const;

/** Ms between the manifest keeper's passes over the held slots' datasets. */
export const DEFAULT_MANIFEST_KEEPER_INTERVAL_MS = 5_000;
/** How long one manifest fetch (provider lookup included) may take. */
export const MANIFEST_FETCH_TIMEOUT_MS = 30_000;
