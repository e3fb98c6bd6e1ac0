import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CID } from "multiformats/cid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cidPrefix,
  type DownloadProgressEvent,
  Message,
  PROTOCOL_NAME,
  readMessages,
  writeMessage,
} from "../../../src/protocols/exchange/index.ts";
import { RecordedReputation } from "../../helpers/recorded-reputation.ts";
import { addressOf, blockOf, fill, type Peer, startPeer } from "./fixture.ts";

const { WantHave, WantBlock } = Message.Wantlist.WantType;
const { Have } = Message.BlockPresenceType;

let dir: string;
const peers: Peer[] = [];

async function peer(
  name: string,
  ...rest: Parameters<typeof startPeer> extends [string, string, ...infer R] ? R : never
) {
  const p = await startPeer(dir, name, ...rest);
  peers.push(p);
  return p;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-download-"));
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await rm(dir, { recursive: true, force: true });
}, 30_000);

async function storedCount(p: Peer): Promise<number> {
  let n = 0;
  for await (const _ of p.store.listCids()) n++;
  return n;
}

// Real nodes on a shared 2-core machine whose disk syncs every block: generous timeouts.
describe("multi-source download over loopback", { timeout: 30_000 }, () => {
  it("spreads a download over every provider and verifies each block", async () => {
    const providers = await Promise.all([0, 1, 2].map((i) => peer(`p${i}`)));
    const client = await peer("client");
    const blocks = await fill(
      providers.map((p) => p.store),
      96,
      32 * 1024,
    );
    const events: DownloadProgressEvent[] = [];
    const download = client.exchange.download(providers.map(addressOf), {
      initialWindow: 4,
      onProgress: (e) => events.push(e),
    });
    const got = [];
    for await (const { cid, bytes } of download.fetch(blocks.map((b) => b.cid))) got.push({ cid, bytes });
    expect(got.map((g) => g.cid.toString())).toEqual(blocks.map((b) => b.cid.toString()));
    for (const [i, b] of blocks.entries()) expect(Buffer.from(got[i]?.bytes ?? []).equals(b.data)).toBe(true);
    expect(await storedCount(client)).toBe(96);
    const perProvider = download.providers.map((s) => s.blocks);
    expect(perProvider).toHaveLength(3);
    for (const n of perProvider) expect(n).toBeGreaterThan(0);
    expect(perProvider.reduce((a, b) => a + b, 0)).toBe(96);
    expect(events.filter((e) => e.type === "cairn:exchange:provider-joined")).toHaveLength(3);
    await download.close();
  });

  it("takes providers from an async iterable as they are found", async () => {
    const [a, b] = [await peer("a"), await peer("b")];
    const client = await peer("client");
    const blocks = await fill([a.store, b.store], 20, 4096);
    async function* found() {
      yield addressOf(a);
      await new Promise((r) => setTimeout(r, 50));
      yield addressOf(b);
    }
    const download = client.exchange.download(found());
    const got = await download.getMany(blocks.map((x) => x.cid));
    expect(got).toHaveLength(20);
    await download.discovery;
    expect(download.providers).toHaveLength(2);
    await download.close();
  });

  it("fails with NoProvidersError when no provider can be reached, and BlockNotFoundError when none has the block", async () => {
    const client = await peer("client");
    const empty = await peer("empty");
    const none = client.exchange.download([]);
    await expect(none.get(await blockOf(Uint8Array.of(1)))).rejects.toMatchObject({
      name: "NoProvidersError",
    });
    const lacking = client.exchange.download([addressOf(empty)]);
    await expect(lacking.get(await blockOf(Uint8Array.of(2)))).rejects.toMatchObject({
      name: "BlockNotFoundError",
    });
    await none.close();
    await lacking.close();
  });

  it("completes from the others within one timeout when a provider is killed mid-download", async () => {
    const providers = await Promise.all(
      [0, 1, 2].map((i) => peer(`p${i}`, { maxBytesPerSecond: 4 * 1024 * 1024 })),
    );
    const client = await peer("client");
    const blocks = await fill(
      providers.map((p) => p.store),
      96,
      64 * 1024,
    );
    const blockTimeout = 2000;
    const download = client.exchange.download(providers.map(addressOf), { blockTimeout, initialWindow: 4 });
    const all = download.getMany(blocks.map((b) => b.cid));
    // Kill one provider once the download is under way.
    await expect
      .poll(() => download.providers.reduce((n, s) => n + s.blocks, 0), { interval: 20, timeout: 10_000 })
      .toBeGreaterThan(10);
    const victim = providers[1] as Peer;
    const victimId = victim.net.peerId.toString();
    const killedAt = Date.now();
    await victim.stop();
    const got = await all;
    expect(got).toHaveLength(96);
    expect(await storedCount(client)).toBe(96);
    const victimStats = download.providers.find((s) => s.peer === victimId);
    expect(victimStats?.dropped).toBe(true);
    // The rest of the download took the remaining blocks at the other two providers' pace
    // plus at most one block timeout for the blocks the victim held.
    const pace = (96 * 64 * 1024) / (2 * 4 * 1024 * 1024); // seconds for all blocks at two providers
    expect(Date.now() - killedAt).toBeLessThan(pace * 1000 + blockTimeout);
    await download.close();
  }, 30_000);

  it("never stores a corrupt block, lowers the provider's reputation and completes from the others", async () => {
    const honest = await peer("honest");
    const reputation = new RecordedReputation();
    const client = await peer("client", {}, { reputation });
    const liar = await peer("liar");
    const blocks = await fill([honest.store], 24, 8192);
    // The liar answers presences truthfully enough to join, then sends other bytes for every block.
    await liar.exchange.stop();
    await liar.net.handle(PROTOCOL_NAME, async (stream) => {
      for await (const message of readMessages(stream)) {
        const entries = message.wantlist?.entries ?? [];
        const have = entries.filter((e) => e.wantType === WantHave);
        const want = entries.filter((e) => e.wantType === WantBlock && !e.cancel);
        await writeMessage(stream, {
          blockPresences: have.map((e) => ({ cid: e.cid, type: Have, price: new Uint8Array() })),
          blocks: want.map((e) => ({
            prefix: cidPrefix(CID.decode(e.cid)),
            data: new Uint8Array(randomBytes(8192)),
          })),
        });
      }
    });
    const download = client.exchange.download([addressOf(liar), addressOf(honest)], { initialWindow: 8 });
    await download.discovery;
    const got = await download.getMany(blocks.map((b) => b.cid));
    for (const [i, b] of blocks.entries()) expect(Buffer.from(got[i] ?? []).equals(b.data)).toBe(true);
    // Only the 24 real blocks were stored, none of the liar's bytes.
    expect(await storedCount(client)).toBe(24);
    const liarId = liar.net.peerId.toString();
    expect(download.providers.find((s) => s.peer === liarId)?.dropped).toBe(true);
    expect(reputation.kinds(liarId, "serving")).toContain("invalid-block");
    expect(reputation.score(liarId, "serving")).toBeLessThan(
      reputation.score(honest.net.peerId.toString(), "serving"),
    );
    await download.close();
  });

  it("asks another provider after the block timeout when one stops answering", async () => {
    const honest = await peer("honest");
    const mute = await peer("mute");
    const client = await peer("client");
    const blocks = await fill([honest.store, mute.store], 8, 4096);
    await mute.exchange.stop();
    // Answers the probe, then never sends a block.
    await mute.net.handle(PROTOCOL_NAME, async (stream) => {
      for await (const message of readMessages(stream)) {
        const have = (message.wantlist?.entries ?? []).filter((e) => e.wantType === WantHave);
        if (have.length > 0) {
          await writeMessage(stream, {
            blockPresences: have.map((e) => ({ cid: e.cid, type: Have, price: new Uint8Array() })),
          });
        }
      }
    });
    const download = client.exchange.download([addressOf(mute), addressOf(honest)], { blockTimeout: 500 });
    const started = Date.now();
    const got = await download.getMany(blocks.map((b) => b.cid));
    expect(got).toHaveLength(8);
    expect(Date.now() - started).toBeLessThan(500 + 2000);
    const muteStats = download.providers.find((s) => s.peer === mute.net.peerId.toString());
    expect(muteStats?.failures).toBeGreaterThan(0);
    await download.close();
  }, 20_000);

  it("rate-limits the bytes a provider serves one peer", async () => {
    const provider = await peer("provider", { maxBytesPerSecond: 1024 * 1024 });
    const client = await peer("client");
    const blocks = await fill([provider.store], 24, 128 * 1024); // 3 MiB at 1 MiB/s, 0.1 s of burst
    const session = await client.exchange.session(addressOf(provider));
    const started = Date.now();
    await session.getMany(blocks.map((b) => b.cid));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2700);
    expect(provider.exchange.served(client.net.peerId)).toMatchObject({
      blocksSent: 24,
      bytesSent: 24 * 128 * 1024,
    });
    await session.close();
  }, 20_000);
});
