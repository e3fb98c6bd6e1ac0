/** Percent added to the tip and the max fee of a replacement. geth refuses less than 10. */
export const DEFAULT_FEE_BUMP_PERCENT = 12;

/** Blocks a transaction may wait unmined before it is replaced with a higher fee. */
export const DEFAULT_BUMP_AFTER_BLOCKS = 3;

/** Ms a transaction may wait unmined before it is replaced, whatever the block count. */
export const DEFAULT_BUMP_AFTER_MS = 20_000;

/** Ms between receipt and head checks while a transaction is pending. */
export const DEFAULT_TX_POLL_INTERVAL_MS = 500;

/** Percent added to the estimated gas, for state that changes between estimate and block. */
export const DEFAULT_GAS_MARGIN_PERCENT = 25;

/** Tip used when the node gives no suggestion (wei): 1 gwei. */
export const DEFAULT_PRIORITY_FEE = 1_000_000_000n;

/** Backoff between retries of a failed RPC call, in ms: doubling from the first to the last. */
export const RPC_RETRY_MIN_MS = 200;
export const RPC_RETRY_MAX_MS = 5_000;

/** Blocks behind the head that the watcher waits before it delivers an event. */
export const DEFAULT_CONFIRMATIONS = 2;

/** Ms between head checks of the watcher. */
export const DEFAULT_WATCH_INTERVAL_MS = 1_000;

/** Blocks per eth_getLogs call; nodes cap the range or the result size. */
export const DEFAULT_LOG_BATCH_BLOCKS = 2_000;

/**
 * Processed block hashes the watcher keeps, to find where a deep reorg forked. A reorg
 * deeper than this makes it re-scan from the deploy block (handled events are skipped).
 */
export const DEFAULT_REORG_HISTORY_BLOCKS = 256;

/** Handled-event keys kept below the cursor, for re-scans after a reorg. */
export const HANDLED_EVENTS_KEEP_BLOCKS = 1_024;
