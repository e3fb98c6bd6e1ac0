/**
 * A lying provider on the block exchange: over real loopback libp2p connections, a peer
 * answers each want-block with bytes that are not the block (other bytes, one flipped bit,
 * the right bytes under another codec or hash, a malformed prefix). The client verifies
 * every block against its CID: the request fails with InvalidBlockError, the session is
 * cut, and neither the wanted CID nor the liar's bytes are stored. A download over the
 * liar and an honest provider completes from the honest one.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMetricsRegistry } from "../../src/metrics/index.ts";
import {
  cidPrefix,
  Message,
  PROTOCOL_NAME,
  readMessages,
  writeMessage,
} from "../../src/protocols/exchange/index.ts";
import { RecordedReputation } from "../helpers/recorded-reputation.ts";
import { addressOf, blockOf, fill, type Peer, startPeer } from "../protocols/exchange/fixture.ts";

const { WantHave, WantBlock } = Message.Wantlist.WantType;
const { Have } = Message.BlockPresenceType;
const SIZE = 4096;

type Lie = (wanted: CID, real: Uint8Array) => Message.Block;

const varints = (...values: number[]) => Uint8Array.from(values);

const LIES: Array<[string, Lie]> = [
  [
    "other bytes under the wanted CID's prefix",
    (cid) => ({ prefix: cidPrefix(cid), data: new Uint8Array(randomBytes(SIZE)) }),
  ],
  [
    "the real bytes with one bit flipped",
    (cid, real) => {
      const data = Uint8Array.from(real);
      data[SIZE / 2] = (data[SIZE / 2] ?? 0) ^ 1;
      return { prefix: cidPrefix(cid), data };
    },
  ],
  ["the real bytes cut short", (cid, real) => ({ prefix: cidPrefix(cid), data: real.slice(0, SIZE - 1) })],
  ["an empty block", (cid) => ({ prefix: cidPrefix(cid), data: new Uint8Array(0) })],
  // CIDv1, dag-pb, sha2-256, 32 bytes: the right digest under another codec is another CID.
  [
    "the real bytes under another codec",
    (_cid, real) => ({ prefix: varints(1, 0x70, 0x12, 32), data: Uint8Array.from(real) }),
  ],
  // Identity "hash": the data would be its own digest, checked against nothing.
  [
    "an identity-hash prefix",
    (_cid, real) => ({ prefix: varints(1, 0x55, 0x00, 32), data: real.slice(0, 32) }),
  ],
  [
    "a sha2-256 prefix with a short digest",
    (_cid, real) => ({ prefix: varints(1, 0x55, 0x12, 20), data: Uint8Array.from(real) }),
  ],
  [
    "a CIDv0 prefix with the raw codec",
    (_cid, real) => ({ prefix: varints(0, 0x55, 0x12, 32), data: Uint8Array.from(real) }),
  ],
  [
    "a malformed prefix",
    (_cid, real) => ({ prefix: varints(0xff, 0xff, 0xff), data: Uint8Array.from(real) }),
  ],
  [
    "a prefix with trailing bytes",
    (cid, real) => ({ prefix: Uint8Array.from([...cidPrefix(cid), 0]), data: Uint8Array.from(real) }),
  ],
];

let dir: string;
const peers: Peer[] = [];
async function peer(...args: Parameters<typeof startPeer> extends [string, ...infer R] ? R : never) {
  const p = await startPeer(dir, ...args);
  peers.push(p);
  return p;
}

/** A provider whose exchange is replaced by `lie`: presences truthful, blocks false. */
async function liar(name: string, blocks: Map<string, Uint8Array>, lie: Lie): Promise<Peer> {
  const p = await peer(name);
  await p.exchange.stop();
  await p.net.handle(PROTOCOL_NAME, async (stream) => {
    try {
      for await (const message of readMessages(stream)) {
        const entries = message.wantlist?.entries ?? [];
        const have = entries.filter((e) => e.wantType === WantHave);
        const want = entries.filter((e) => e.wantType === WantBlock && !e.cancel);
        await writeMessage(stream, {
          blockPresences: have.map((e) => ({ cid: e.cid, type: Have, price: new Uint8Array() })),
          blocks: want.map((e) => {
            const cid = CID.decode(e.cid);
            return lie(cid, blocks.get(cid.toString()) ?? new Uint8Array(SIZE));
          }),
        });
      }
    } catch {
      // The client cuts the stream as soon as it sees a lie.
    }
  });
  return p;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-security-blocks-"));
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await rm(dir, { recursive: true, force: true });
}, 30_000);

describe("a provider that sends wrong blocks", () => {
  it.each(LIES)("is caught when it sends %s: nothing stored, session cut", async (_what, lie) => {
    const real = new Uint8Array(randomBytes(SIZE));
    const cid = await blockOf(real);
    const sent = lie(cid, real);
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const provider = await liar("liar", new Map([[cid.toString(), real]]), lie);
    const client = await peer("client", {}, { metrics });

    const session = await client.exchange.session(addressOf(provider));
    await expect(session.get(cid)).rejects.toMatchObject({ name: "InvalidBlockError" });
    expect(session.isOpen).toBe(false);
    expect(session.stats.invalidBlocks).toBe(1);
    expect(session.stats.blocksReceived).toBe(0);
    // Neither the wanted block nor what the liar's bytes hash to was stored.
    expect(await client.store.has(cid)).toBe(false);
    const asSent = CID.createV1(0x55, await sha256.digest(sent.data));
    expect(await client.store.has(asSent)).toBe(false);
    const invalid = await metrics.getSingleMetric("cairn_exchange_invalid_blocks_total")?.get();
    expect(invalid?.values[0]?.value).toBe(1);
    // A later request on the cut session fails at once, without asking the liar again.
    expect(() => session.get(cid)).toThrow();
    await session.close();
  });

  it("cannot poison a download it shares with an honest provider", async () => {
    const reputation = new RecordedReputation();
    const honest = await peer("honest");
    const blocks = await fill([honest.store], 16, SIZE);
    const known = new Map(blocks.map((b) => [b.cid.toString(), b.data]));
    const [, flip] = LIES[1] as [string, Lie];
    const provider = await liar("liar", known, flip);
    const client = await peer("client", {}, { reputation });

    const download = client.exchange.download([addressOf(provider), addressOf(honest)], { initialWindow: 4 });
    // Both providers have joined before the first want, so the liar is given blocks to send.
    await download.discovery;
    const got = await download.getMany(blocks.map((b) => b.cid));
    for (const [i, b] of blocks.entries()) {
      expect(Buffer.from(got[i] ?? []).equals(Buffer.from(b.data)), `block ${i}`).toBe(true);
      // What is stored is the real block.
      expect(Buffer.from(await client.store.getBytes(b.cid)).equals(Buffer.from(b.data))).toBe(true);
    }
    const liarId = provider.net.peerId.toString();
    expect(download.providers.find((s) => s.peer === liarId)).toMatchObject({ blocks: 0, dropped: true });
    expect(reputation.kinds(liarId, "serving")).toContain("invalid-block");
    expect(reputation.kinds(liarId, "serving")).not.toContain("success");
    await download.close();
  });
});
