/** Ms between head checks of the prover and the validator. */
export const DEFAULT_MARKET_POLL_INTERVAL_MS = 1_000;

/**
 * Blocks before a period's last block by which the proof transaction must be mined; the
 * rest of the period is slack for block-time jitter (hostd #805). 0: the last block.
 */
export const DEFAULT_PROOF_DEADLINE_MARGIN_BLOCKS = 0;

/** Rows of per-period outcomes kept per slot (older ones are deleted). */
export const PROOF_HISTORY_PERIODS = 1_000;

/** IStorageMarket.RequestState. */
export const RequestState = { None: 0, New: 1, Started: 2, Finished: 3, Failed: 4, Cancelled: 5 } as const;

/** IStorageMarket.SlotState. */
export const SlotState = { Free: 0, Filled: 1, Repair: 2, Collected: 3 } as const;
