/** Every metric the node defines starts with this. */
export const METRIC_PREFIX = "cairn_";

/**
 * Latency buckets in seconds, from a 100 µs block read to a minute-long chain call.
 * prom-client's defaults start at 5 ms, which hides fast disk operations.
 */
export const DEFAULT_SECONDS_BUCKETS = [
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
