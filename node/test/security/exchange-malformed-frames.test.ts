/**
 * Malformed frames on the block exchange, both ways, over real loopback libp2p connections.
 * A provider given a bad frame (oversized or endless length prefix, a non-minimal one, a
 * field longer than its frame, a truncated frame, an undecodable CID or amount, too many
 * entries, a frame that never completes) resets that stream for the frame's reason and
 * keeps serving. A client whose provider sends one fails the request for that reason and
 * stores nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetricsRegistry, type Registry } from "../../src/metrics/index.ts";
import { encodeFrame, Message, PROTOCOL_NAME, readMessages } from "../../src/protocols/exchange/index.ts";
import { addressOf, blockOf, fill, type Peer, startPeer } from "../protocols/exchange/fixture.ts";

const { WantBlock } = Message.Wantlist.WantType;
const MAX_MESSAGE = 64 * 1024;
const MESSAGE_TIMEOUT = 1_000;

const entry = (cid: Uint8Array, maxPrice = new Uint8Array()): Message.Wantlist.Entry =>
  ({ cid, priority: 1, cancel: false, wantType: WantBlock, sendDontHave: true, maxPrice }) as never;
const frame = (message: Partial<Message>) => encodeFrame(message).subarray();

/** Bad frames, each with the error the reader must name. */
const BAD_FRAMES: Array<[string, () => Promise<Uint8Array> | Uint8Array, string]> = [
  ["a 4 GiB length prefix", () => Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), "MessageTooLargeError"],
  [
    "a length prefix that never ends",
    () => Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
    "MessageTooLargeError",
  ],
  [
    "a frame one byte over the limit",
    () => Uint8Array.of(0x81, 0x80, 0x04, ...randomBytes(64)),
    "MessageTooLargeError",
  ],
  ["a length prefix not minimally encoded", () => Uint8Array.of(0x83, 0x00, 1, 2, 3), "InvalidMessageError"],
  ["a field longer than its frame", () => Uint8Array.of(4, 0x0a, 0xff, 0xff, 0x03), "InvalidMessageError"],
  ["random bytes", () => Uint8Array.of(32, ...randomBytes(32).map((b) => b | 0x07)), "InvalidMessageError"],
  [
    "a wantlist with a CID that does not decode",
    () => frame({ wantlist: { full: false, entries: [entry(randomBytes(8))] } }),
    "InvalidMessageError",
  ],
  [
    "a want with a 33-byte price",
    async () =>
      frame({
        wantlist: {
          full: false,
          entries: [entry((await blockOf(Uint8Array.of(1))).bytes, new Uint8Array(33).fill(1))],
        },
      }),
    "InvalidMessageError",
  ],
  [
    "a wantlist of 1025 entries",
    async () => {
      const cid = (await blockOf(Uint8Array.of(1))).bytes;
      return frame({ wantlist: { full: false, entries: Array.from({ length: 1025 }, () => entry(cid)) } });
    },
    "InvalidMessageError",
  ],
];

let dir: string;
let provider: Peer;
let attacker: Peer;
let metrics: Registry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-security-frames-"));
  metrics = createMetricsRegistry({ defaultMetrics: false });
  provider = await startPeer(
    dir,
    "provider",
    { maxMessageSize: MAX_MESSAGE, messageTimeout: MESSAGE_TIMEOUT },
    { metrics },
  );
  attacker = await startPeer(dir, "attacker");
  // One connection and a round trip first: Yamux drops a peer that opens many streams at once.
  await attacker.net.dial(addressOf(provider));
  await attacker.net.services.ping.ping(provider.net.peerId);
});
afterAll(async () => {
  await attacker?.stop();
  await provider?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function abortedFor(reason: string): Promise<number> {
  const values = (await metrics.getSingleMetric("cairn_exchange_aborted_streams_total")?.get())?.values ?? [];
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** Sends `bytes` on a new stream (then closes our side unless `keepOpen`); how the stream ended. */
async function send(bytes: Uint8Array, keepOpen = false): Promise<string> {
  const stream = await attacker.net.dialProtocol(addressOf(provider), PROTOCOL_NAME);
  stream.send(bytes);
  if (!keepOpen) await stream.close().catch(() => {});
  try {
    for await (const _ of stream) {
      // the provider answers nothing to a bad frame
    }
    return "closed";
  } catch (err) {
    return (err as Error).name;
  }
}

describe("a provider given malformed frames", () => {
  it.each(BAD_FRAMES)("resets the stream on %s", async (_what, bad, reason) => {
    const before = await abortedFor(reason);
    expect(await send(await bad(), true)).toBe("StreamResetError");
    await expect.poll(() => abortedFor(reason)).toBe(before + 1);
  });

  it("resets a stream that ends in the middle of a frame", async () => {
    const before = await abortedFor("TruncatedMessageError");
    await send(Uint8Array.of(100, 0x0a, 1, 2));
    await expect.poll(() => abortedFor("TruncatedMessageError")).toBe(before + 1);
  });

  it("resets a stream whose frame never completes within the message timeout", async () => {
    const before = await abortedFor("MessageTimeoutError");
    const started = Date.now();
    expect(await send(Uint8Array.of(100, 0x0a), true)).toBe("StreamResetError");
    expect(Date.now() - started).toBeLessThan(MESSAGE_TIMEOUT * 5);
    await expect.poll(() => abortedFor("MessageTimeoutError")).toBe(before + 1);
  });

  it("keeps serving honest requests on the same connection afterwards", async () => {
    const [block] = await fill([provider.store], 1, 1000);
    const session = await attacker.exchange.session(addressOf(provider));
    const got = await session.get(block?.cid as never);
    expect(Buffer.from(got).equals(Buffer.from(block?.data ?? []))).toBe(true);
    await session.close();
    expect(provider.net.getConnections(attacker.net.peerId)).toHaveLength(1);
  });
});

describe("a client whose provider sends malformed frames", () => {
  /** Each lie is the provider's answer to a wantlist for the block `wanted`. */
  const LIES: Array<[string, (wanted: Uint8Array) => Uint8Array, string]> = [
    ["an oversized length prefix", () => Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), "MessageTooLargeError"],
    ["an undecodable frame", () => Uint8Array.of(4, 0x0a, 0xff, 0xff, 0x03), "InvalidMessageError"],
    [
      "terms with a 19-byte recipient",
      () =>
        frame({
          terms: {
            recipient: new Uint8Array(19),
            pricePerBlock: Uint8Array.of(1),
            paymentThreshold: Uint8Array.of(1),
          },
        }),
      "InvalidMessageError",
    ],
    [
      "a presence with a CID that does not decode",
      () =>
        frame({
          blockPresences: [
            {
              cid: new Uint8Array(randomBytes(8)),
              type: Message.BlockPresenceType.Have,
              price: new Uint8Array(),
            },
          ],
        }),
      "InvalidMessageError",
    ],
    [
      "a presence with a 33-byte price",
      (wanted) =>
        frame({
          blockPresences: [
            { cid: wanted as never, type: Message.BlockPresenceType.Have, price: new Uint8Array(33).fill(1) },
          ],
        }),
      "InvalidMessageError",
    ],
  ];

  it.each(LIES)("fails the request on %s and stores nothing", async (_what, lie, reason) => {
    const liar = await startPeer(dir, `liar-${randomBytes(4).toString("hex")}`);
    const client = await startPeer(dir, `client-${randomBytes(4).toString("hex")}`);
    try {
      await liar.exchange.stop();
      await liar.net.handle(PROTOCOL_NAME, async (stream) => {
        try {
          for await (const message of readMessages(stream)) {
            const wanted = message.wantlist?.entries[0]?.cid;
            if (wanted !== undefined) stream.send(lie(wanted));
          }
        } catch {
          // the client resets the stream
        }
      });
      const data = new Uint8Array(randomBytes(1000));
      const cid = await blockOf(data);
      const session = await client.exchange.session(addressOf(liar));
      await expect(session.get(cid)).rejects.toMatchObject({ name: reason });
      expect(session.isOpen).toBe(false);
      expect(await client.store.has(cid)).toBe(false);
      await session.close();
    } finally {
      await client.stop();
      await liar.stop();
    }
  });
});
