import { describe, expect, it } from "vitest";
import {
  applyEvent,
  type BetaRecord,
  DEFAULT_FORGETTING_FACTOR,
  DEFAULT_HALF_LIFE_MS,
  DEFAULT_PRIOR_WEIGHT,
  DEFAULT_TARGET_LATENCY_MS,
  DEFAULT_TARGET_THROUGHPUT,
  type ModelParams,
  NEUTRAL_SCORE,
  type ReputationEvent,
  scoreOf,
} from "../../src/reputation/index.ts";

const P: ModelParams = {
  priorWeight: DEFAULT_PRIOR_WEIGHT,
  forgettingFactor: DEFAULT_FORGETTING_FACTOR,
  halfLifeMs: DEFAULT_HALF_LIFE_MS,
  targetLatencyMs: DEFAULT_TARGET_LATENCY_MS,
  targetThroughput: DEFAULT_TARGET_THROUGHPUT,
};
const T0 = 1_000_000;
const EMPTY: BetaRecord = { good: 0, bad: 0, events: 0, updatedAt: T0 };

function after(events: ReputationEvent[], start = EMPTY, now = T0): BetaRecord {
  return events.reduce((r, e) => applyEvent(r, e, now, P), start);
}
const times = (n: number, e: ReputationEvent) => Array.from({ length: n }, () => e);

describe("reputation model", () => {
  it("scores a stranger and an empty record as neutral", () => {
    expect(scoreOf(undefined, T0, P)).toBe(NEUTRAL_SCORE);
    expect(scoreOf(EMPTY, T0, P)).toBe(NEUTRAL_SCORE);
  });

  it("rises strictly with each success and falls strictly with each failure, staying in [0, 100]", () => {
    let up = EMPTY;
    let down = EMPTY;
    let lastUp = NEUTRAL_SCORE;
    let lastDown = NEUTRAL_SCORE;
    for (let i = 0; i < 200; i++) {
      up = applyEvent(up, { kind: "success" }, T0, P);
      down = applyEvent(down, { kind: "failure" }, T0, P);
      const [u, d] = [scoreOf(up, T0, P), scoreOf(down, T0, P)];
      expect(u).toBeGreaterThan(lastUp);
      expect(d).toBeLessThan(lastDown);
      expect(u).toBeLessThanOrEqual(100);
      expect(d).toBeGreaterThanOrEqual(0);
      [lastUp, lastDown] = [u, d];
    }
    expect(lastUp).toBeGreaterThan(97);
    expect(lastDown).toBeLessThan(3);
  });

  it("ranks events by how bad they are: invalid block and slash below a plain failure", () => {
    const failure = scoreOf(after([{ kind: "failure" }]), T0, P);
    const invalid = scoreOf(after([{ kind: "invalid-block" }]), T0, P);
    const slashed = scoreOf(after([{ kind: "slashed" }]), T0, P);
    const forged = scoreOf(after([{ kind: "voucher-invalid" }]), T0, P);
    const late = scoreOf(after([{ kind: "payment-late" }]), T0, P);
    expect(invalid).toBeLessThan(late);
    expect(late).toBeLessThan(failure);
    expect(slashed).toBeLessThan(invalid);
    expect(forged).toBe(invalid);
    // One timeout is not a verdict.
    expect(failure).toBeGreaterThan(40);
  });

  it("gives a slow or thin success less than a fast one, and never less than half a success", () => {
    const score = (e: ReputationEvent) => scoreOf(after(times(20, e)), T0, P);
    const fast = score({ kind: "success", latencyMs: 10 });
    const atTarget = score({ kind: "success", latencyMs: DEFAULT_TARGET_LATENCY_MS });
    const slow = score({ kind: "success", latencyMs: 2_000 });
    const slower = score({ kind: "success", latencyMs: 20_000 });
    expect(fast).toBe(atTarget);
    expect(slow).toBeLessThan(atTarget);
    expect(slower).toBeLessThan(slow);
    expect(slower).toBeGreaterThan(NEUTRAL_SCORE);

    const mib = 1024 * 1024;
    const thick = score({ kind: "success", bytes: 64 * mib, durationMs: 1000 });
    const thin = score({ kind: "success", bytes: 1 * mib, durationMs: 1000 });
    const thinner = score({ kind: "success", bytes: 0.1 * mib, durationMs: 1000 });
    expect(thin).toBeLessThan(thick);
    expect(thinner).toBeLessThan(thin);
    expect(score({ kind: "success", bytes: 0, durationMs: 0 })).toBe(thick);
  });

  it("forgets: a long honest run after a bad spell wins the score back", () => {
    const bad = after(times(500, { kind: "failure" }));
    expect(scoreOf(bad, T0, P)).toBeLessThan(5);
    const redeemed = after(times(5_000, { kind: "success" }), bad);
    expect(scoreOf(redeemed, T0, P)).toBeGreaterThan(95);
    // Without forgetting (factor 1) the same history stays far lower.
    const noForget = { ...P, forgettingFactor: 1 };
    let r = EMPTY;
    for (let i = 0; i < 500; i++) r = applyEvent(r, { kind: "failure" }, T0, noForget);
    for (let i = 0; i < 5_000; i++) r = applyEvent(r, { kind: "success" }, T0, noForget);
    expect(scoreOf(r, T0, noForget)).toBeLessThan(scoreOf(redeemed, T0, P));
  });

  it("drifts back toward neutral over wall time, halving the distance each half-life", () => {
    for (const events of [times(50, { kind: "success" } as const), times(50, { kind: "failure" } as const)]) {
      const r = after(events);
      const d0 = Math.abs(scoreOf(r, T0, P) - NEUTRAL_SCORE);
      const d1 = Math.abs(scoreOf(r, T0 + DEFAULT_HALF_LIFE_MS, P) - NEUTRAL_SCORE);
      const d2 = Math.abs(scoreOf(r, T0 + 4 * DEFAULT_HALF_LIFE_MS, P) - NEUTRAL_SCORE);
      const dEnd = Math.abs(scoreOf(r, T0 + 30 * DEFAULT_HALF_LIFE_MS, P) - NEUTRAL_SCORE);
      expect(d1).toBeLessThan(d0);
      expect(d2).toBeLessThan(d1);
      expect(dEnd).toBeLessThan(0.01);
    }
  });

  it("decays nothing when the clock goes backwards", () => {
    const r = after(times(10, { kind: "failure" }));
    expect(scoreOf(r, T0 - 1_000_000, P)).toBe(scoreOf(r, T0, P));
  });
});
