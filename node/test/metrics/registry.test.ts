import { describe, expect, it } from "vitest";
import {
  counter,
  createMetricsRegistry,
  gauge,
  histogram,
  InvalidMetricNameError,
} from "../../src/metrics/index.ts";

describe("metrics registry", () => {
  it("collects default process metrics under their standard names", async () => {
    const registry = createMetricsRegistry({ defaultLabels: { node: "n1" } });
    const text = await registry.metrics();
    expect(text).toContain("process_cpu_seconds_total");
    expect(text).toMatch(/nodejs_heap_size_used_bytes\{node="n1"\}/);
  });

  it("keeps registries apart and can leave out default metrics", async () => {
    const a = createMetricsRegistry({ defaultMetrics: false });
    const b = createMetricsRegistry({ defaultMetrics: false });
    counter(a, { name: "cairn_things_total", help: "things" }).inc(2);
    expect(await a.metrics()).toContain("cairn_things_total 2");
    expect(await b.metrics()).toBe("\n");
  });

  it("returns the same series when a name is registered twice", () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const first = histogram(registry, { name: "cairn_op_seconds", help: "op" });
    expect(histogram(registry, { name: "cairn_op_seconds", help: "op" })).toBe(first);
  });

  it("enforces the naming convention", () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    expect(() => counter(registry, { name: "blocks_total", help: "" })).toThrow(InvalidMetricNameError);
    expect(() => counter(registry, { name: "cairn_blocks", help: "" })).toThrow(/must end with _total/);
    expect(() => histogram(registry, { name: "cairn_put_ms", help: "" })).toThrow(/_seconds or _bytes/);
    expect(() => gauge(registry, { name: "cairn_peers_total", help: "" })).toThrow(
      /must not end with _total/,
    );
    expect(() => gauge(registry, { name: "cairn_Peers", help: "" })).toThrow(/snake_case/);
    expect(gauge(registry, { name: "cairn_peers", help: "connected peers" })).toBeDefined();
  });
});
