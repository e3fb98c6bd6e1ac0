/**
 * Prometheus metrics. Each node owns one registry from {@link createMetricsRegistry};
 * services receive it as a component and define their series through `counter`,
 * `histogram` and `gauge`, which enforce the names `cairn_<thing>_total`,
 * `cairn_<thing>_seconds` and `cairn_<thing>_bytes`. The REST API serves
 * `registry.metrics()` at `/metrics` with `registry.contentType`.
 */
export type { Counter, Gauge, Histogram, Registry } from "prom-client";
export { DEFAULT_SECONDS_BUCKETS, METRIC_PREFIX } from "./constants.ts";
export { InvalidMetricNameError } from "./errors.ts";
export {
  counter,
  createMetricsRegistry,
  gauge,
  histogram,
  type MetricInit,
  type MetricsRegistryInit,
} from "./registry.ts";
