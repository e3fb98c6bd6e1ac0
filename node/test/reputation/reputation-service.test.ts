import { afterEach, describe, expect, it } from "vitest";
import {
  createReputation,
  DEFAULT_HALF_LIFE_MS,
  DEFAULT_PRUNE_AFTER_MS,
  NEUTRAL_SCORE,
  type ReputationContext,
  type ReputationEvent,
} from "../../src/reputation/index.ts";
import { createMetadataStore } from "../../src/store/metadata/index.ts";
import {
  type Harness,
  harness,
  MIGRATIONS_WITH_REPUTATION,
  newPeerId,
  quietLogger,
  TestClock,
} from "./helpers.ts";

const open: Harness[] = [];
async function start(...args: Parameters<typeof harness>): Promise<Harness> {
  const h = await harness(...args);
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    try {
      h.close();
    } catch {}
    await h.cleanup();
  }
});

/** Rows in the table, read through a second connection as another process would see them. */
function rowsOnDisk(h: Harness): number {
  const other = createMetadataStore(
    { logger: quietLogger },
    { path: h.path, migrations: MIGRATIONS_WITH_REPUTATION },
  );
  other.start();
  try {
    return (other.database.prepare("SELECT count(*) AS n FROM reputation").get() as { n: number }).n;
  } finally {
    other.stop();
  }
}

describe("reputation service", () => {
  it("keeps contexts and peers apart", async () => {
    const h = await start();
    const [a, b] = [await newPeerId(), await newPeerId()];
    h.reputation.record(a, "serving", { kind: "invalid-block" });
    expect(h.reputation.score(a, "serving")).toBeLessThan(NEUTRAL_SCORE);
    expect(h.reputation.score(a, "paying")).toBe(NEUTRAL_SCORE);
    expect(h.reputation.score(b, "serving")).toBe(NEUTRAL_SCORE);
    expect(h.reputation.entries(a).map((e) => e.context)).toEqual(["serving"]);
    expect(h.reputation.entries(a)[0]?.events).toBe(1);
  });

  it("keeps scores across a clean restart", async () => {
    const h = await start();
    const peers = await Promise.all([newPeerId(), newPeerId(), newPeerId()]);
    const history: Array<[string, ReputationContext, ReputationEvent]> = [
      [peers[0] as string, "serving", { kind: "success", latencyMs: 30, bytes: 1 << 20, durationMs: 50 }],
      [peers[0] as string, "serving", { kind: "failure" }],
      [peers[1] as string, "paying", { kind: "voucher-valid" }],
      [peers[1] as string, "paying", { kind: "payment-late" }],
      [peers[2] as string, "storing", { kind: "slashed" }],
    ];
    for (const [p, c, e] of history) h.reputation.record(p, c, e);
    const before = history.map(([p, c]) => h.reputation.score(p, c));
    h.close();

    const again = h.reopen();
    open.push(again);
    expect(history.map(([p, c]) => again.reputation.score(p, c))).toEqual(before);
    expect(again.reputation.entries(peers[0] as string)[0]?.events).toBe(2);
  });

  it("writes in batches: nothing on disk until the flush interval passes, then everything", async () => {
    const h = await start({ flushIntervalMs: 200 });
    const peers = await Promise.all(Array.from({ length: 20 }, () => newPeerId()));
    for (const p of peers) h.reputation.record(p, "serving", { kind: "success" });
    expect(h.reputation.pending).toBe(20);
    expect(rowsOnDisk(h)).toBe(0);
    // What a crash now would lose is bounded by the interval: poll until it is written.
    await expect.poll(() => rowsOnDisk(h), { timeout: 3_000, interval: 50 }).toBe(20);
    expect(h.reputation.pending).toBe(0);
  });

  it("flushes early once maxDirty records are waiting", async () => {
    const h = await start({ flushIntervalMs: 60_000, maxDirty: 8 });
    const peers = await Promise.all(Array.from({ length: 8 }, () => newPeerId()));
    for (const p of peers.slice(0, 7)) h.reputation.record(p, "paying", { kind: "voucher-valid" });
    await new Promise((r) => setImmediate(r));
    expect(rowsOnDisk(h)).toBe(0);
    h.reputation.record(peers[7] as string, "paying", { kind: "voucher-valid" });
    await new Promise((r) => setImmediate(r));
    expect(rowsOnDisk(h)).toBe(8);
  });

  it("lets an old verdict fade with wall time, also across a restart", async () => {
    const clock = new TestClock();
    const h = await start({}, clock);
    const p = await newPeerId();
    for (let i = 0; i < 30; i++) h.reputation.record(p, "serving", { kind: "failure" });
    const fresh = h.reputation.score(p, "serving");
    h.close();
    clock.advance(3 * DEFAULT_HALF_LIFE_MS);
    const later = h.reopen();
    open.push(later);
    const faded = later.reputation.score(p, "serving");
    expect(faded).toBeGreaterThan(fresh);
    expect(faded).toBeLessThan(NEUTRAL_SCORE);
    // New evidence lands on the faded record, not on the old one.
    later.reputation.record(p, "serving", { kind: "success" });
    expect(later.reputation.score(p, "serving")).toBeGreaterThan(faded);
  });

  it("prunes records untouched for longer than pruneAfterMs when it starts", async () => {
    const clock = new TestClock();
    const h = await start({}, clock);
    const [old, recent] = [await newPeerId(), await newPeerId()];
    h.reputation.record(old, "serving", { kind: "failure" });
    clock.advance(DEFAULT_PRUNE_AFTER_MS - 1000);
    h.reputation.record(recent, "serving", { kind: "failure" });
    h.close();
    clock.advance(2000);
    const later = h.reopen();
    open.push(later);
    expect(later.reputation.entries(old)).toEqual([]);
    expect(later.reputation.entries(recent)).toHaveLength(1);
    expect(rowsOnDisk(later)).toBe(1);
  });

  it("refuses bad input with InvalidReputationInputError and changes nothing", async () => {
    const h = await start();
    const p = await newPeerId();
    const bad: Array<[string, string, unknown]> = [
      ["not-a-peer-id", "serving", { kind: "success" }],
      ["", "serving", { kind: "success" }],
      [p, "gossiping", { kind: "success" }],
      [p, "serving", { kind: "teleported" }],
      [p, "serving", null],
      [p, "paying", { kind: "invalid-block" }],
      [p, "serving", { kind: "slashed" }],
      [p, "storing", { kind: "voucher-valid" }],
      [p, "serving", { kind: "success", latencyMs: -1 }],
      [p, "serving", { kind: "success", latencyMs: Number.NaN }],
      [p, "serving", { kind: "success", latencyMs: Number.POSITIVE_INFINITY }],
      [p, "serving", { kind: "success", bytes: 100 }],
      [p, "serving", { kind: "success", bytes: "100", durationMs: 5 }],
    ];
    for (const [peer, context, event] of bad) {
      expect(() =>
        h.reputation.record(peer, context as ReputationContext, event as ReputationEvent),
      ).toThrowError(expect.objectContaining({ name: "InvalidReputationInputError" }));
    }
    expect(() => h.reputation.score("nope", "serving")).toThrowError(
      expect.objectContaining({ name: "InvalidReputationInputError" }),
    );
    expect(h.reputation.entries(p)).toEqual([]);
    expect(h.reputation.pending).toBe(0);
  });

  it("refuses bad options and use before start", async () => {
    const h = await start();
    const make = (init: object) => () =>
      createReputation({ metadata: h.metadata, logger: quietLogger }, init);
    for (const init of [
      { forgettingFactor: 0 },
      { forgettingFactor: 1.5 },
      { halfLifeMs: -1 },
      { priorWeight: Number.NaN },
      { flushIntervalMs: 0 },
    ]) {
      expect(make(init)).toThrowError(expect.objectContaining({ name: "InvalidReputationConfigError" }));
    }
    const idle = make({})();
    const p = await newPeerId();
    expect(() => idle.score(p, "serving")).toThrowError(
      expect.objectContaining({ name: "ReputationNotStartedError" }),
    );
    expect(() => idle.record(p, "serving", { kind: "success" })).toThrowError(
      expect.objectContaining({ name: "ReputationNotStartedError" }),
    );
  });
});

describe("chain events (recordOnce)", () => {
  it("counts an event once per position, and remembers the cursor across a restart", async () => {
    const h = await start();
    const p = await newPeerId();
    const at = (blockNumber: bigint, logIndex: number) => ({ blockNumber, logIndex });
    const slashed = { kind: "slashed" } as const;
    expect(h.reputation.recordOnce("registry", at(10n, 1), p, "storing", slashed)).toBe(true);
    expect(h.reputation.recordOnce("registry", at(10n, 1), p, "storing", slashed)).toBe(false);
    expect(h.reputation.recordOnce("registry", at(9n, 7), p, "storing", slashed)).toBe(false);
    // Another source has its own cursor.
    expect(h.reputation.recordOnce("other", at(9n, 7), p, "storing", slashed)).toBe(true);
    expect(h.reputation.entries(p)[0]?.events).toBe(2);
    h.close();

    const again = h.reopen();
    open.push(again);
    expect(again.reputation.recordOnce("registry", at(10n, 1), p, "storing", slashed)).toBe(false);
    expect(again.reputation.recordOnce("registry", at(10n, 2), p, "storing", slashed)).toBe(true);
    expect(again.reputation.entries(p)[0]?.events).toBe(3);
    expect(() => again.reputation.recordOnce("", at(11n, 0), p, "storing", slashed)).toThrowError(
      expect.objectContaining({ name: "InvalidReputationInputError" }),
    );
    expect(() => again.reputation.recordOnce("registry", at(-1n, 0), p, "storing", slashed)).toThrowError(
      expect.objectContaining({ name: "InvalidReputationInputError" }),
    );
  });
});
