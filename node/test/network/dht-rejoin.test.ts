import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LogManager } from "../../src/logging/index.ts";
import { DhtRejoin } from "../../src/network/dht-rejoin.ts";

// network.test.ts shows on real nodes that the lookup brings a reconnected node to the
// rest of the network; this pins down when it runs, with a DHT that only counts lookups.
const log = new LogManager({ level: "silent" }).logger("network");
const DELAY_MS = 20;

async function peer(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
}

/** Long enough for a due lookup to have run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, DELAY_MS * 5));

let rejoin: DhtRejoin | undefined;
/** Lookups in progress at once in the fake DHT, now and at most. */
let running = 0;
let maxRunning = 0;
afterEach(() => {
  vi.useRealTimers();
  rejoin?.stop();
  running = 0;
  maxRunning = 0;
});

/** A started DhtRejoin whose DHT records each lookup's key and finds nobody. */
async function started(
  timing: { firstJoinDelaysMs?: number[]; enoughPeers?: number; lookupMs?: number } = {},
): Promise<{
  self: PeerId;
  keys: Uint8Array[];
  connect: (peer: PeerId) => Promise<void>;
  disconnect: (peer: PeerId) => Promise<void>;
}> {
  const self = await peer();
  const keys: Uint8Array[] = [];
  const dht = {
    async *getClosestPeers(key: Uint8Array) {
      keys.push(key);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, timing.lookupMs ?? 0));
      running--;
      yield* [];
    },
  };
  const started = new DhtRejoin(
    dht,
    self,
    {
      delayMs: DELAY_MS,
      firstJoinDelaysMs: timing.firstJoinDelaysMs ?? [DELAY_MS],
      enoughPeers: timing.enoughPeers ?? 20,
      timeoutMs: 1_000,
    },
    log,
  );
  started.start();
  rejoin = started;
  return {
    self,
    keys,
    connect: async (p) => started.topology.onConnect?.(p, undefined as never),
    disconnect: async (p) => started.topology.onDisconnect?.(p),
  };
}

describe("DhtRejoin", () => {
  it("looks itself up once a moment after its first peer since start, not for later peers", async () => {
    const { self, keys, connect } = await started();
    const [a, b] = [await peer(), await peer()];
    await connect(a);
    await connect(a);
    await connect(b);
    await settle();
    expect(keys).toEqual([self.toMultihash().bytes]);
  });

  it("looks itself up when a peer connects after the last one left, once, and not once stopped", async () => {
    const { self, keys, connect, disconnect } = await started();
    const [a, b] = [await peer(), await peer()];
    await connect(a);
    await connect(b);
    await settle();
    keys.length = 0; // the first join's lookup
    // One peer left, another still there: not a reconnection.
    await disconnect(a);
    await connect(a);
    await settle();
    expect(keys).toHaveLength(0);

    await disconnect(a);
    await disconnect(b);
    await connect(b);
    await connect(a);
    await settle();
    expect(keys).toEqual([self.toMultihash().bytes]);

    // A stop cancels a pending lookup, and a stopped node starts none.
    await disconnect(b);
    await disconnect(a);
    await connect(a);
    rejoin?.stop();
    await disconnect(a);
    await connect(b);
    await settle();
    expect(keys).toHaveLength(1);
  });

  it("runs each of the first join's lookups at its time, and no more after a stop", async () => {
    const { self, keys, connect } = await started({ firstJoinDelaysMs: [1_000, 10_000, 30_000] });
    vi.useFakeTimers();
    await connect(await peer());
    await vi.advanceTimersByTimeAsync(999);
    expect(keys).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(keys).toEqual([self.toMultihash().bytes]);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(keys).toHaveLength(2);
    rejoin?.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(keys).toHaveLength(2);
  });

  it("starts the next of the first join's lookups only once a slow one has ended", async () => {
    const { keys, connect } = await started({ firstJoinDelaysMs: [1_000, 2_000, 3_000], lookupMs: 5_000 });
    vi.useFakeTimers();
    await connect(await peer());
    await vi.advanceTimersByTimeAsync(5_999);
    expect(keys).toHaveLength(1);
    // The first ends at 6 s; the second, overdue, starts at once, and the third after it.
    await vi.advanceTimersByTimeAsync(10);
    expect(keys).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(keys).toHaveLength(3);
    expect(maxRunning).toBe(1);
  });

  it("ends the first join's lookups once it has enough DHT peers", async () => {
    const { keys, connect } = await started({ firstJoinDelaysMs: [1_000, 10_000, 30_000], enoughPeers: 3 });
    vi.useFakeTimers();
    await connect(await peer());
    await connect(await peer());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(keys).toHaveLength(1);
    await connect(await peer());
    await vi.advanceTimersByTimeAsync(60_000);
    expect(keys).toHaveLength(1);
  });
});
