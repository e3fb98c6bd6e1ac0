import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { describe, expect, it } from "vitest";
import { answerWantlist } from "../../../src/protocols/exchange/handlers/wantlist.ts";
import {
  cidOfBlock,
  cidPrefix,
  decodeAmount,
  encodeAmount,
  type ExchangeBlockstore,
  Message,
} from "../../../src/protocols/exchange/index.ts";

const { WantBlock, WantHave } = Message.Wantlist.WantType;

async function raw(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(0x55, await sha256.digest(bytes));
}

function memoryStore(blocks: Map<string, Uint8Array>): ExchangeBlockstore & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    has: async (cid) => blocks.has(cid.toString()),
    getBytes: async (cid) => {
      reads.push(cid.toString());
      const b = blocks.get(cid.toString());
      if (b === undefined) throw Object.assign(new Error("absent"), { name: "NotFoundError" });
      return b;
    },
    put: async (cid) => cid,
  };
}

function entry(
  cid: CID,
  wantType = WantBlock,
  extra: Partial<Message.Wantlist.Entry> = {},
): Message.Wantlist.Entry {
  return {
    cid: cid.bytes as Uint8Array<ArrayBuffer>,
    priority: 0,
    cancel: false,
    wantType,
    sendDontHave: true,
    maxPrice: new Uint8Array(),
    ...extra,
  };
}

describe("amounts", () => {
  it("encode big-endian without leading zeros and round-trip up to uint256", () => {
    expect(encodeAmount(0n)).toEqual(new Uint8Array());
    expect(encodeAmount(1n)).toEqual(Uint8Array.of(1));
    expect(encodeAmount(0x1234n)).toEqual(Uint8Array.of(0x12, 0x34));
    const max = 2n ** 256n - 1n;
    expect(decodeAmount(encodeAmount(max))).toBe(max);
    expect(decodeAmount(new Uint8Array())).toBe(0n);
    expect(() => decodeAmount(new Uint8Array(33))).toThrow(
      expect.objectContaining({ name: "InvalidMessageError" }),
    );
    expect(() => encodeAmount(-1n)).toThrow(RangeError);
  });
});

describe("block prefix", () => {
  it("rebuilds the CID from prefix and bytes, and a changed byte gives another CID", async () => {
    const data = new TextEncoder().encode("hello");
    const cid = await raw(data);
    expect(cidOfBlock(cidPrefix(cid), data).equals(cid)).toBe(true);
    expect(cidOfBlock(cidPrefix(cid), new TextEncoder().encode("hellp")).equals(cid)).toBe(false);
  });

  it("rejects prefixes it cannot verify", async () => {
    const cid = await raw(Uint8Array.of(1));
    expect(() => cidOfBlock(Uint8Array.of(1, 0x55, 0x13, 64), Uint8Array.of(1))).toThrow(
      expect.objectContaining({ name: "InvalidBlockError" }),
    );
    expect(() => cidOfBlock(Uint8Array.of(0x80), Uint8Array.of(1))).toThrow(
      expect.objectContaining({ name: "InvalidBlockError" }),
    );
    expect(() => cidOfBlock(Uint8Array.of(...cidPrefix(cid), 0), Uint8Array.of(1))).toThrow(
      expect.objectContaining({ name: "InvalidBlockError" }),
    );
  });
});

describe("answerWantlist (in memory)", () => {
  it("answers in entry order, flushes by size, and never exceeds the message limit", async () => {
    const blocks = new Map<string, Uint8Array>();
    const cids: CID[] = [];
    for (let i = 0; i < 10; i++) {
      const data = new Uint8Array(300).fill(i);
      const cid = await raw(data);
      blocks.set(cid.toString(), data);
      cids.push(cid);
    }
    const missing = await raw(Uint8Array.of(99));
    const sent: Array<Partial<Message>> = [];
    const store = memoryStore(blocks);
    const result = await answerWantlist(
      {
        blockstore: store,
        priceOf: () => 5n,
        maxMessageSize: 2000,
        flushBytes: 1000,
        readAhead: 3,
        send: async (m) => {
          sent.push(m);
        },
      },
      {
        full: false,
        entries: [entry(missing), ...cids.map((c, i) => entry(c, i === 0 ? WantHave : WantBlock))],
      },
    );
    expect(result).toEqual({ blocksSent: 9, bytesSent: 2700 });
    expect(sent.length).toBeGreaterThan(2);
    for (const m of sent) expect(Message.encode(m).byteLength).toBeLessThanOrEqual(2000);
    const order = sent.flatMap((m) => (m.blocks ?? []).map((b) => b.data[0]));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const presences = sent.flatMap((m) => m.blockPresences ?? []);
    expect(presences.map((p) => [p.type, decodeAmount(p.price)])).toEqual([
      [Message.BlockPresenceType.DontHave, 5n],
      [Message.BlockPresenceType.Have, 5n],
    ]);
    // A want-have never reads the block.
    expect(store.reads).not.toContain(cids[0]?.toString());
  });

  it("rejects a wantlist with a bad CID before reading anything", async () => {
    const good = await raw(Uint8Array.of(1));
    const store = memoryStore(new Map([[good.toString(), Uint8Array.of(1)]]));
    const bad = { ...entry(good), cid: Uint8Array.of(1, 2, 3) as Uint8Array<ArrayBuffer> };
    await expect(
      answerWantlist(
        {
          blockstore: store,
          priceOf: () => 0n,
          maxMessageSize: 1 << 20,
          flushBytes: 1 << 19,
          readAhead: 4,
          send: async () => {},
        },
        { full: false, entries: [entry(good), bad] },
      ),
    ).rejects.toMatchObject({ name: "InvalidMessageError" });
    expect(store.reads).toEqual([]);
  });
});
