import type { Stream } from "@libp2p/interface";
import { streamPair } from "@libp2p/utils";
import { describe, expect, it } from "vitest";
import { encodeFrame, Message, readMessages, writeMessage } from "../../../src/protocols/exchange/codec.ts";

const WantType = Message.Wantlist.WantType;

async function collect(stream: Stream, options = {}): Promise<{ messages: Message[]; error?: Error }> {
  const messages: Message[] = [];
  try {
    for await (const m of readMessages(stream, options)) messages.push(m);
    return { messages };
  } catch (err) {
    return { messages, error: err as Error };
  }
}

const sample: Partial<Message> = {
  wantlist: {
    full: false,
    entries: [
      {
        cid: Uint8Array.of(1, 2, 3),
        priority: 7,
        cancel: false,
        wantType: WantType.WantHave,
        sendDontHave: true,
        maxPrice: Uint8Array.of(0x01, 0x00),
      },
    ],
  },
  blocks: [{ prefix: Uint8Array.of(1, 0x55, 0x12, 0x20), data: new Uint8Array(1000).fill(9) }],
  blockPresences: [
    { cid: Uint8Array.of(4), type: Message.BlockPresenceType.DontHave, price: new Uint8Array() },
  ],
  pendingBytes: 123456789012,
  payment: {
    channelId: new Uint8Array(32).fill(1),
    cumulativeAmount: Uint8Array.of(5),
    signature: new Uint8Array(65),
  },
  account: { address: new Uint8Array(20).fill(2), channelId: new Uint8Array(32).fill(1) },
};

describe("exchange message codec", () => {
  it("round-trips every field over a stream, several messages in order", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b);
    await writeMessage(a, sample);
    await writeMessage(a, { pendingBytes: 1 });
    await a.close();
    const { messages, error } = await reading;
    expect(error).toBeUndefined();
    expect(messages).toHaveLength(2);
    const [first, second] = messages;
    expect(first?.wantlist?.entries[0]?.wantType).toBe(WantType.WantHave);
    expect(first?.wantlist?.entries[0]?.priority).toBe(7);
    expect(first?.wantlist?.entries[0]?.sendDontHave).toBe(true);
    expect(first?.wantlist?.entries[0]?.maxPrice).toEqual(Uint8Array.of(1, 0));
    expect(first?.blocks[0]?.data).toEqual(new Uint8Array(1000).fill(9));
    expect(first?.blockPresences[0]?.type).toBe(Message.BlockPresenceType.DontHave);
    expect(first?.pendingBytes).toBe(123456789012);
    expect(first?.payment?.signature.byteLength).toBe(65);
    expect(first?.account?.address).toEqual(new Uint8Array(20).fill(2));
    expect(second?.pendingBytes).toBe(1);
    expect(second?.wantlist).toBeUndefined();
  });

  it("reassembles a frame split into one-byte chunks", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b);
    for (const byte of encodeFrame(sample).subarray()) a.send(Uint8Array.of(byte));
    await a.close();
    const { messages, error } = await reading;
    expect(error).toBeUndefined();
    expect(messages[0]?.pendingBytes).toBe(123456789012);
  });

  it("refuses to encode a message over the maximum", () => {
    expect(() =>
      encodeFrame({ blocks: [{ prefix: new Uint8Array(), data: new Uint8Array(2048) }] }, 1024),
    ).toThrow(expect.objectContaining({ name: "MessageTooLargeError" }));
  });

  it("aborts the stream on an oversized length prefix without waiting for the body", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b, { maxMessageSize: 1024 });
    a.send(Uint8Array.of(0x81, 0x08)); // 1025
    const { error } = await reading;
    expect(error?.name).toBe("MessageTooLargeError");
    expect(b.status).toBe("aborted");
  });

  it("aborts on a length prefix that never terminates", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b, { maxMessageSize: Number.MAX_SAFE_INTEGER });
    a.send(new Uint8Array(8).fill(0x80));
    const { error } = await reading;
    expect(error?.name).toBe("MessageTooLargeError");
  });

  it("aborts on a frame that is not a protobuf Message", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b);
    // Length 3, then field 1 as a length-delimited value claiming 100 bytes.
    a.send(Uint8Array.of(3, 0x0a, 100, 0));
    const { error } = await reading;
    expect(error?.name).toBe("InvalidMessageError");
    expect(b.status).toBe("aborted");
  });

  it("aborts on a message that breaks a repeated-field limit", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b);
    const presences = Array.from({ length: 1025 }, () => ({
      cid: Uint8Array.of(1),
      type: Message.BlockPresenceType.Have,
      price: new Uint8Array(),
    }));
    a.send(encodeFrame({ blockPresences: presences }));
    const { error } = await reading;
    expect(error?.name).toBe("InvalidMessageError");
  });

  it("reports a stream that ends mid-frame", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b);
    a.send(encodeFrame(sample).sublist(0, 50));
    await a.close();
    const { error } = await reading;
    expect(error?.name).toBe("TruncatedMessageError");
  });

  it("times out a peer that stalls, and restarts the timer after every message", async () => {
    const [a, b] = await streamPair();
    const reading = collect(b, { messageTimeout: 150 });
    // Three messages 100 ms apart: each arrives within the timeout of the one before.
    for (let i = 0; i < 3; i++) {
      await writeMessage(a, { pendingBytes: i + 1 });
      await new Promise((r) => setTimeout(r, 100));
    }
    // Then half a frame, and silence.
    a.send(encodeFrame(sample).sublist(0, 10));
    const { messages, error } = await reading;
    expect(messages.map((m) => m.pendingBytes)).toEqual([1, 2, 3]);
    expect(error?.name).toBe("MessageTimeoutError");
    expect(b.status).toBe("aborted");
  });

  it("survives many malformed frames, one stream each, with no leak of the process", async () => {
    const names = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const [a, b] = await streamPair();
      const reading = collect(b, { maxMessageSize: 64 * 1024 });
      const junk = i % 2 === 0 ? Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f) : Uint8Array.of(2, 0xff, 0xff);
      a.send(junk);
      const { error } = await reading;
      names.add(error?.name ?? "none");
    }
    expect([...names].sort()).toEqual(["InvalidMessageError", "MessageTooLargeError"]);
  });
});
