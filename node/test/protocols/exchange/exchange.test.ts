import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stream } from "@libp2p/interface";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Logger, LogManager } from "../../../src/logging/index.ts";
import { createMetricsRegistry } from "../../../src/metrics/index.ts";
import { type CairnLibp2p, createNetwork } from "../../../src/network/index.ts";
import {
  cidPrefix,
  createExchange,
  type Exchange,
  type ExchangeInit,
  encodeFrame,
  Message,
  PROTOCOL_NAME,
  readMessages,
  writeMessage,
} from "../../../src/protocols/exchange/index.ts";
import { createBlockstore, type FsBlockstore } from "../../../src/store/blocks/index.ts";

const log: Logger = new LogManager({ level: "silent" }).logger("test");
const RAW = 0x55;

interface Peer {
  net: CairnLibp2p;
  store: FsBlockstore;
  exchange: Exchange;
}

let dir: string;
const cleanup: Array<() => Promise<void>> = [];

async function blockOf(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(RAW, await sha256.digest(bytes));
}

async function peer(name: string, init: ExchangeInit = {}, metrics = false): Promise<Peer> {
  const net = await createNetwork({ logger: log }, { listen: ["/ip4/127.0.0.1/tcp/0"] });
  const store = createBlockstore({ logger: log }, { root: join(dir, name) });
  await store.start();
  const exchange = createExchange(
    {
      network: net,
      blockstore: store,
      logger: log,
      metrics: metrics ? createMetricsRegistry({ defaultMetrics: false }) : undefined,
    },
    init,
  );
  await exchange.start();
  await net.start();
  cleanup.push(async () => {
    await exchange.stop();
    await net.stop();
    await store.stop();
  });
  return { net, store, exchange };
}

async function fill(
  store: FsBlockstore,
  count: number,
  size: number,
): Promise<Array<{ cid: CID; data: Uint8Array }>> {
  const blocks = [];
  for (let i = 0; i < count; i++) {
    const data = randomBytes(size);
    const cid = await blockOf(data);
    await store.put(cid, data);
    blocks.push({ cid, data: new Uint8Array(data) });
  }
  return blocks;
}

/** A raw exchange stream from `from` to `to`, bypassing the client session. */
async function rawStream(from: Peer, to: Peer): Promise<Stream> {
  return from.net.dialProtocol(to.net.getMultiaddrs()[0] ?? to.net.peerId, PROTOCOL_NAME);
}

/** Resolves when the remote ends or resets the stream. */
async function drained(stream: Stream): Promise<string> {
  try {
    for await (const _ of stream) {
      // discard
    }
    return "closed";
  } catch (err) {
    return (err as Error).name;
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-exchange-"));
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await rm(dir, { recursive: true, force: true });
});

describe("exchange over loopback libp2p", () => {
  it("answers want-have with presences and the price", async () => {
    const provider = await peer("provider", { pricePerBlock: 1_000_000_007n });
    const client = await peer("client");
    const [a, b] = await fill(provider.store, 2, 1024);
    const missing = await blockOf(Uint8Array.of(1, 2, 3));
    const session = await client.exchange.session(provider.net.getMultiaddrs()[0] ?? provider.net.peerId);
    const presences = await session.wantHave([a?.cid, missing, b?.cid].filter((c) => c !== undefined));
    expect(presences.map((p) => [p.have, p.price])).toEqual([
      [true, 1_000_000_007n],
      [false, 1_000_000_007n],
      [true, 1_000_000_007n],
    ]);
    // A want-have never moves the block.
    expect(await client.store.has(a?.cid ?? missing)).toBe(false);
    await session.close();
  });

  it("fetches blocks through a windowed session, verifies and stores them", async () => {
    const provider = await peer("provider", {}, true);
    const client = await peer("client", { sessionWindow: 8 }, true);
    const blocks = await fill(provider.store, 48, 64 * 1024);
    const [big] = await fill(provider.store, 1, 2 * 1024 * 1024);
    const session = await client.exchange.session(provider.net.getMultiaddrs()[0] ?? provider.net.peerId);
    const got = await session.getMany(blocks.map((b) => b.cid));
    for (const [i, b] of blocks.entries()) {
      expect(Buffer.from(got[i] ?? []).equals(b.data)).toBe(true);
      expect(Buffer.from(await client.store.getBytes(b.cid)).equals(b.data)).toBe(true);
    }
    const bigBytes = await session.get(big?.cid ?? blocks[0]?.cid ?? (await blockOf(new Uint8Array())));
    expect(bigBytes.byteLength).toBe(2 * 1024 * 1024);
    expect(session.stats).toMatchObject({ blocksReceived: 49, invalidBlocks: 0 });
    await session.close();
  });

  it("fails a block the provider does not have with BlockNotFoundError", async () => {
    const provider = await peer("provider");
    const client = await peer("client");
    const session = await client.exchange.session(provider.net.getMultiaddrs()[0] ?? provider.net.peerId);
    await expect(session.get(await blockOf(Uint8Array.of(9)))).rejects.toMatchObject({
      name: "BlockNotFoundError",
    });
    // The session stays usable.
    const [b] = await fill(provider.store, 1, 100);
    await expect(session.get(b?.cid ?? (await blockOf(Uint8Array.of())))).resolves.toHaveLength(100);
    await session.close();
  });

  it("gives up on a block after the block timeout, and honours an abort signal", async () => {
    const client = await peer("client", { blockTimeout: 300 });
    const mute = await peer("mute");
    // A provider that reads wantlists and never answers.
    await mute.exchange.stop();
    await mute.net.handle(PROTOCOL_NAME, async (stream) => {
      for await (const _ of readMessages(stream)) {
        // ignore
      }
    });
    const session = await client.exchange.session(mute.net.getMultiaddrs()[0] ?? mute.net.peerId);
    const started = Date.now();
    await expect(session.get(await blockOf(Uint8Array.of(1)))).rejects.toMatchObject({
      name: "BlockNotFoundError",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const controller = new AbortController();
    const pending = session.getMany([await blockOf(Uint8Array.of(2)), await blockOf(Uint8Array.of(3))], {
      signal: controller.signal,
    });
    controller.abort(new Error("user cancelled"));
    await expect(pending).rejects.toThrow("user cancelled");
  });

  it("quotes instead of sending when the block costs more than the client's max price", async () => {
    const provider = await peer("provider", { pricePerBlock: 500n });
    const client = await peer("client");
    const [b] = await fill(provider.store, 1, 100);
    const cid = b?.cid ?? (await blockOf(Uint8Array.of()));
    const session = await client.exchange.session(provider.net.getMultiaddrs()[0] ?? provider.net.peerId, {
      maxPrice: 499n,
    });
    await expect(session.get(cid)).rejects.toMatchObject({ name: "PriceTooHighError" });
    expect(await client.store.has(cid)).toBe(false);
  });

  it("never stores a block whose bytes do not match its CID, and cuts the provider off", async () => {
    const client = await peer("client");
    const liar = await peer("liar");
    // Replace the honest handler with one that answers every want-block with other bytes.
    await liar.exchange.stop();
    await liar.net.handle(PROTOCOL_NAME, async (stream) => {
      for await (const message of readMessages(stream)) {
        const blocks = (message.wantlist?.entries ?? []).map((e) => ({
          prefix: cidPrefix(CID.decode(e.cid)),
          data: new Uint8Array(randomBytes(64)),
        }));
        await writeMessage(stream, { blocks });
      }
    });
    const wanted = await blockOf(Uint8Array.of(1, 2, 3, 4));
    const other = await blockOf(Uint8Array.of(5));
    const session = await client.exchange.session(liar.net.getMultiaddrs()[0] ?? liar.net.peerId);
    const results = await Promise.allSettled([session.get(wanted), session.get(other)]);
    expect(results.map((r) => (r.status === "rejected" ? (r.reason as Error).name : "ok"))).toEqual([
      "InvalidBlockError",
      "InvalidBlockError",
    ]);
    expect(session.stats.invalidBlocks).toBe(1);
    expect(await client.store.has(wanted)).toBe(false);
    const stored = [];
    for await (const c of client.store.listCids()) stored.push(c);
    expect(stored).toEqual([]);
  });

  it("aborts streams carrying malformed or oversized frames and keeps serving", async () => {
    const provider = await peer("provider", { maxMessageSize: 64 * 1024 });
    const client = await peer("client");
    const junk = [
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f), // length far over the limit
      Uint8Array.of(3, 0x0a, 100, 0), // field claims more bytes than the frame has
      encodeFrame({
        wantlist: {
          full: false,
          entries: [
            {
              cid: Uint8Array.of(1, 2),
              priority: 0,
              cancel: false,
              wantType: Message.Wantlist.WantType.WantBlock,
              sendDontHave: false,
              maxPrice: new Uint8Array(),
            },
          ],
        },
      }).subarray(), // not a CID
    ];
    for (let i = 0; i < 60; i++) {
      const stream = await rawStream(client, provider);
      stream.send(junk[i % junk.length] ?? new Uint8Array());
      expect(["closed", "StreamResetError", "StreamAbortedError"]).toContain(await drained(stream));
    }
    const [b] = await fill(provider.store, 1, 1000);
    const session = await client.exchange.session(provider.net.getMultiaddrs()[0] ?? provider.net.peerId);
    await expect(session.get(b?.cid ?? (await blockOf(Uint8Array.of())))).resolves.toHaveLength(1000);
  });

  it("aborts an inbound stream that stalls mid-message after the message timeout", async () => {
    const provider = await peer("provider", { messageTimeout: 300 });
    const client = await peer("client");
    const stream = await rawStream(client, provider);
    stream.send(encodeFrame({ pendingBytes: 5 }).sublist(0, 1));
    const started = Date.now();
    await drained(stream);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses inbound exchange streams past the per-connection limit", async () => {
    const provider = await peer("provider", { maxInboundStreams: 2 });
    const client = await peer("client");
    const addr = provider.net.getMultiaddrs()[0] ?? provider.net.peerId;
    const open = [await client.exchange.session(addr), await client.exchange.session(addr)];
    // The provider resets a third inbound stream, so whatever the session asks fails.
    const third = await client.exchange.session(addr).catch((err: Error) => err);
    if (!(third instanceof Error)) {
      await expect(third.wantHave([await blockOf(Uint8Array.of(1))])).rejects.toBeInstanceOf(Error);
    }
    // The two open sessions still work.
    for (const s of open)
      await expect(s.wantHave([await blockOf(Uint8Array.of(2))])).resolves.toHaveLength(1);
  });

  it("refuses to open outbound exchange streams past the per-connection limit", async () => {
    const provider = await peer("provider");
    const client = await peer("client", { maxOutboundStreams: 2 });
    const addr = provider.net.getMultiaddrs()[0] ?? provider.net.peerId;
    const open = [await client.exchange.session(addr), await client.exchange.session(addr)];
    await expect(client.exchange.session(addr)).rejects.toMatchObject({
      name: "TooManyOutboundProtocolStreamsError",
    });
    await open[0]?.close();
    // Closing a session frees its slot.
    await expect
      .poll(async () =>
        client.exchange.session(addr).then(
          () => "opened",
          (e: Error) => e.name,
        ),
      )
      .toBe("opened");
  });
});
