import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { DEFAULT_SECONDS_BUCKETS, METRIC_PREFIX } from "./constants.ts";
import { InvalidMetricNameError } from "./errors.ts";

export interface MetricsRegistryInit {
  /**
   * Collect prom-client's process and Node metrics (`process_cpu_seconds_total`,
   * `nodejs_heap_size_used_bytes`, ...). They keep their standard, unprefixed names
   * because stock dashboards and alerts look for exactly those.
   * @default true
   */
  defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ node: "provider1" }` when several nodes share a Prometheus. */
  defaultLabels?: Record<string, string>;
}

/** A fresh registry for one node. One per node (not prom-client's global), so tests and multi-node runs don't collide. */
export function createMetricsRegistry(init: MetricsRegistryInit = {}): Registry {
  const registry = new Registry();
  if (init.defaultLabels !== undefined) registry.setDefaultLabels(init.defaultLabels);
  if (init.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

const NAME = /^cairn_[a-z][a-z0-9_]*[a-z0-9]$/;

function checkName(name: string, suffixes: readonly string[], kind: string): void {
  if (!NAME.test(name)) {
    throw new InvalidMetricNameError(
      `metric ${JSON.stringify(name)} must be snake_case and start with "${METRIC_PREFIX}"`,
    );
  }
  if (suffixes.length > 0 && !suffixes.some((s) => name.endsWith(s))) {
    throw new InvalidMetricNameError(
      `${kind} ${JSON.stringify(name)} must end with ${suffixes.join(" or ")}`,
    );
  }
}

export interface MetricInit<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/**
 * Creates or returns the counter of that name, so two instances of a service sharing a
 * registry share the series instead of throwing on re-registration.
 */
export function counter<L extends string = string>(registry: Registry, init: MetricInit<L>): Counter<L> {
  checkName(init.name, ["_total"], "counter");
  const existing = registry.getSingleMetric(init.name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter<L>({ ...init, labelNames: init.labelNames ?? [], registers: [registry] });
}

/** Durations end in `_seconds`, sizes in `_bytes`. */
export function histogram<L extends string = string>(
  registry: Registry,
  init: MetricInit<L> & { buckets?: number[] },
): Histogram<L> {
  checkName(init.name, ["_seconds", "_bytes"], "histogram");
  const existing = registry.getSingleMetric(init.name);
  if (existing !== undefined) return existing as Histogram<L>;
  return new Histogram<L>({
    ...init,
    labelNames: init.labelNames ?? [],
    buckets: init.buckets ?? (init.name.endsWith("_seconds") ? DEFAULT_SECONDS_BUCKETS : undefined),
    registers: [registry],
  });
}

/** A gauge is a current value, so it never ends in `_total`. */
export function gauge<L extends string = string>(registry: Registry, init: MetricInit<L>): Gauge<L> {
  checkName(init.name, [], "gauge");
  if (init.name.endsWith("_total")) {
    throw new InvalidMetricNameError(
      `gauge ${JSON.stringify(init.name)} must not end with _total (that marks a counter)`,
    );
  }
  const existing = registry.getSingleMetric(init.name);
  if (existing !== undefined) return existing as Gauge<L>;
  return new Gauge<L>({ ...init, labelNames: init.labelNames ?? [], registers: [registry] });
}
