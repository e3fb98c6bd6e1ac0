/** The provider's debt (wei) past which it waits for a voucher, when its config sets none. */
export const DEFAULT_PAYMENT_THRESHOLD = 10n ** 15n;

/**
 * Debt past the threshold that a provider tolerates before cutting a peer off, as a
 * percentage of the threshold. It covers blocks already in flight when the voucher left.
 */
export const DEFAULT_PAYMENT_TOLERANCE_PERCENT = 25n;

/** Wei of free service a peer gets (manifests, probes); it refills over time. */
export const DEFAULT_FREE_ALLOWANCE = 0n;

/** Wei per second the free allowance refills. */
export const DEFAULT_FREE_ALLOWANCE_REFILL_PER_SECOND = 0n;

/** Unsettled voucher value (wei) past which the provider cashes a channel on-chain. */
export const DEFAULT_SETTLE_THRESHOLD = 10n ** 16n;

/** How often (ms) the provider checks its channels for a close request. */
export const DEFAULT_CLOSE_WATCH_INTERVAL = 60_000;

/** What a client deposits when it opens a channel, unless the debt needs more (wei). */
export const DEFAULT_CHANNEL_DEPOSIT = 10n ** 16n;

/** Seconds between a client's close request and its refund; providers judge if it is enough. */
export const DEFAULT_CLOSE_DELAY = 24 * 3600;

/** The largest uint256, the cap on any voucher total. */
export const MAX_UINT256 = 2n ** 256n - 1n;
