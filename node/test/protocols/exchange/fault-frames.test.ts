/**
 * Issue 5's fault test: 10,000 malformed or oversized frames sent on raw exchange streams
 * over a real loopback connection. Every bad stream is aborted, the provider keeps serving,
 * and its memory does not grow with the number of bad frames.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogManager } from "../../../src/logging/index.ts";
import { createMetricsRegistry } from "../../../src/metrics/index.ts";
import { type CairnLibp2p, createNetwork } from "../../../src/network/index.ts";
import {
  createExchange,
  type Exchange,
  encodeFrame,
  PROTOCOL_NAME,
} from "../../../src/protocols/exchange/index.ts";
import { createBlockstore, type FsBlockstore } from "../../../src/store/blocks/index.ts";

// A real GC before each heap reading, so garbage not yet collected does not look like a leak.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const log = new LogManager({ level: process.env.FAULT_LOG ?? "silent", format: "json" }).logger("test");
const FRAMES = Number(process.env.FRAMES ?? 10_000);
const PARALLEL = Number(process.env.PARALLEL ?? 16);

let dir: string;
let provider: CairnLibp2p;
let attacker: CairnLibp2p;
let store: FsBlockstore;
let exchange: Exchange;
const metrics = createMetricsRegistry({ defaultMetrics: false });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-fault-"));
  provider = await createNetwork({ logger: log }, { listen: ["/ip4/127.0.0.1/tcp/0"] });
  attacker = await createNetwork({ logger: log }, { listen: ["/ip4/127.0.0.1/tcp/0"] });
  store = createBlockstore({ logger: log }, { root: join(dir, "blocks") });
  await store.start();
  exchange = createExchange(
    { network: provider, blockstore: store, logger: log, metrics },
    { maxMessageSize: 64 * 1024, messageTimeout: 2000 },
  );
  await exchange.start();
  await provider.start();
  await attacker.start();
});

afterAll(async () => {
  await exchange.stop();
  await attacker.stop();
  await provider.stop();
  await store.stop();
  await rm(dir, { recursive: true, force: true });
});

function junk(i: number): Uint8Array {
  switch (i % 5) {
    case 0:
      return Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f); // 4 GiB length prefix
    case 1:
      return Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80); // prefix that never ends
    case 2:
      return Uint8Array.of(4, 0x0a, 0xff, 0xff, 0x03); // field longer than its frame
    case 3:
      return Uint8Array.of(0x81, 0x80, 0x04, ...randomBytes(32)); // 64 KiB + 1, over the limit
    default: {
      // A well-formed frame whose wantlist holds a bad CID.
      const entry = {
        cid: randomBytes(8),
        priority: 0,
        cancel: false,
        sendDontHave: true,
        maxPrice: new Uint8Array(),
      };
      return encodeFrame({ wantlist: { full: false, entries: [entry as never] } }).subarray();
    }
  }
}

describe("exchange under malformed frames", () => {
  it(`aborts ${FRAMES} bad streams without crashing or growing`, async () => {
    const addr = provider.getMultiaddrs()[0] ?? provider.peerId;
    const outcomes = new Map<string, number>();
    let heapAfterWarmup = 0;
    let next = 0;
    // One connection first: parallel first dials would race and libp2p would close the duplicates.
    // A ping then completes a round trip, because Yamux drops a connection whose peer opens more
    // than 10 streams before the first one is acknowledged (MaxEarlyStreamsError).
    await attacker.dial(addr);
    await attacker.services.ping.ping(provider.peerId);
    const worker = async (): Promise<void> => {
      while (next < FRAMES) {
        const i = next++;
        let outcome = "closed";
        try {
          const stream = await attacker.dialProtocol(addr, PROTOCOL_NAME);
          stream.send(junk(i));
          for await (const _ of stream) {
            // the provider sends nothing back to junk
          }
        } catch (err) {
          // The provider's reset can beat our own negotiation or send; either way the stream is dead.
          outcome = (err as Error).name;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (i === Math.floor(FRAMES / 10)) {
          gc();
          heapAfterWarmup = process.memoryUsage().heapUsed;
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    gc();
    const heapAtEnd = process.memoryUsage().heapUsed;
    if (process.env.FAULT_HEAP !== undefined) console.log("HEAP", (heapAtEnd - heapAfterWarmup) / 2 ** 20);

    expect(outcomes).toEqual(new Map([["StreamResetError", FRAMES]]));
    // The provider aborted every one of them, each for the reason its frame deserved.
    const aborted =
      (await metrics.getSingleMetric("cairn_exchange_aborted_streams_total")?.get())?.values ?? [];
    const byReason: Record<string, number> = Object.fromEntries(
      aborted.map((v) => [String(v.labels.reason), v.value]),
    );
    const total = Object.values(byReason).reduce((a, b) => a + b, 0);
    expect(total).toBe(FRAMES);
    expect(byReason.MessageTooLargeError).toBe((FRAMES / 5) * 3);
    // Under load, about one stream in 10,000 has been seen to end by the message timeout instead:
    // its bytes never reached the handler. Not yet explained (suspect: bytes that arrive with
    // libp2p's protocol negotiation); the timeout is what keeps such a stream from living on.
    expect(byReason.InvalidMessageError ?? 0).toBeGreaterThan((FRAMES / 5) * 2 * 0.99);
    expect(byReason.InvalidMessageError ?? 0).toBeLessThanOrEqual((FRAMES / 5) * 2);
    for (const reason of Object.keys(byReason)) {
      expect(["MessageTooLargeError", "InvalidMessageError", "MessageTimeoutError"]).toContain(reason);
    }
    // Flat: 9,000 more bad streams leave less than 16 MiB behind.
    expect(heapAtEnd - heapAfterWarmup).toBeLessThan(16 * 1024 * 1024);
    expect(provider.getConnections(attacker.peerId)).toHaveLength(1);

    // The provider still serves an honest request on the same connection.
    const data = new Uint8Array(randomBytes(1000));
    const cid = CID.createV1(0x55, await sha256.digest(data));
    await store.put(cid, data);
    const clientStore = createBlockstore({ logger: log }, { root: join(dir, "client") });
    await clientStore.start();
    const client = createExchange({ network: attacker, blockstore: clientStore, logger: log });
    await client.start();
    const session = await client.session(addr);
    await expect(session.get(cid)).resolves.toHaveLength(1000);
    await session.close();
    await client.stop();
    await clientStore.stop();
  }, 120_000);
});
