/**
 * How much of this machine's CPU time went to other guests of its hypervisor ("steal" in
 * /proc/stat), so a benchmark can say how contended the machine was while it ran. On these
 * shared 2-core VMs it went from under 1% to 10% idle and far more under load within one
 * session, and the figures of one run swung 2x with it.
 */
import { readFileSync } from "node:fs";

/** The machine's CPU time so far, in clock ticks: stolen and in all. */
export interface CpuTimes {
  steal: number;
  total: number;
}

/** The whole machine's CPU times now, or undefined where /proc/stat has no steal field. */
export function cpuTimes(): CpuTimes | undefined {
  let line: string | undefined;
  try {
    line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
  } catch {
    return undefined; // not Linux
  }
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
  const ticks = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const steal = ticks[7];
  if (steal === undefined || Number.isNaN(steal)) return undefined;
  // guest and guest_nice are already counted in user and nice.
  const total = ticks.slice(0, 8).reduce((sum, t) => sum + t, 0);
  return { steal, total };
}

/** The share of CPU time stolen between two readings (0 to 1), if both were read. */
export function stealShare(from: CpuTimes | undefined, to: CpuTimes | undefined): number | undefined {
  if (from === undefined || to === undefined || to.total <= from.total) return undefined;
  return (to.steal - from.steal) / (to.total - from.total);
}
