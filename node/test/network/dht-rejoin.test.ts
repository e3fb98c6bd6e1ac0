import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { afterEach, describe, expect, it } from "vitest";
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
afterEach(() => rejoin?.stop());

/** A started DhtRejoin whose DHT records each lookup's key and finds nobody. */
async function started(): Promise<{
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
      yield* [];
    },
  };
  const started = new DhtRejoin(
    dht,
    self,
    { delayMs: DELAY_MS, firstJoinDelayMs: DELAY_MS, timeoutMs: 1_000 },
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
});
