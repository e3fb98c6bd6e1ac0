/**
 * `GET /api/v1/data/{cid}` for data this node does not hold, end to end: real libp2p nodes
 * on loopback finding each other through the DHT, real block stores and SQLite, and a real
 * PaymentChannels on anvil. The client pays the provider through a channel it opens, and
 * the channel is read back from the contract.
 */
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";
import { decodeManifest } from "../../src/core/index.ts";
import { bytesOf, errorOf } from "../api/helpers.ts";
import { cidOf, waitForRoutingTables } from "../discovery/helpers.ts";
import { channelReader, devnetPerFile } from "../payments/fixture.ts";
import { auth, connect, startClient, startProvider, type TestNode } from "./fixture.ts";

const BLOCK = 256 * 1024;
const PRICE = 1_000n;

const nodes: TestNode[] = [];
const world = devnetPerFile("cairn-retrieval-", () =>
  Promise.allSettled(nodes.splice(0).map((n) => n.stop())),
);

async function uploadTo(node: TestNode, body: Uint8Array, k: number, m: number): Promise<CID> {
  const response = await fetch(`${node.api.url}/api/v1/data?k=${k}&m=${m}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/octet-stream" },
    body,
  });
  expect(response.status).toBe(201);
  const cid = CID.parse(((await response.json()) as { cid: string }).cid);
  // Announce it now rather than at the first reprovide round.
  expect((await node.discovery.provide(cid)).peers).toBeGreaterThan(0);
  return cid;
}

/** A provider and a client that know each other through the DHT. */
async function pair(providerRole = "provider1", clientRole = "client1") {
  const provider = await startProvider(world.devnet, world.dir, providerRole, PRICE);
  nodes.push(provider);
  const client = await startClient(world.devnet, world.dir, clientRole, {
    findTimeout: 4_000,
    blockTimeout: 3_000,
  });
  nodes.push(client);
  await connect(client.net, provider.net);
  await waitForRoutingTables([client.net, provider.net], 1, 15_000);
  return { provider, client };
}

async function download(node: TestNode, cid: CID, headers: Record<string, string> = {}) {
  const response = await fetch(`${node.api.url}/api/v1/data/${cid}`, { headers });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe("GET /api/v1/data/{cid} from the network", { timeout: 90_000 }, () => {
  it("streams an erasure-coded dataset held by a provider byte for byte, pays it through a channel on-chain, and reads it locally the second time", async () => {
    const { provider, client } = await pair("provider1", "client1");
    // 5 full blocks and a partial one: 3 stripes of k = 2, the last block padded.
    const file = bytesOf(5 * BLOCK + 12_345, 7);
    const cid = await uploadTo(provider, file, 2, 1);
    expect(await client.store.has(cid)).toBe(false);

    const first = await download(client, cid);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get("content-length")).toBe(String(file.length));
    expect(first.bytes.length).toBe(file.length);
    expect(Buffer.compare(first.bytes, file)).toBe(0);

    // Every data block is in the client's store now.
    const manifest = await decodeManifest(await client.store.getBytes(cid), cid);
    for (let slot = 0; slot < manifest.k; slot++) {
      for (const block of manifest.slots[slot]?.blocks ?? [])
        expect(await client.store.has(block)).toBe(true);
    }

    // Paid through a channel the contract knows: client → provider's wallet.
    const providerWallet = world.devnet.account("provider1").address;
    const clientWallet = world.devnet.account("client1").address;
    const channel = client.payer?.table.openTo(clientWallet, providerWallet);
    expect(channel).toBeDefined();
    const onChain = await channelReader(world.devnet).readChannel(channel?.channelId as `0x${string}`);
    expect(onChain.state).toBe("open");
    expect(onChain.sender).toBe(clientWallet);
    expect(onChain.recipient).toBe(providerWallet);
    expect(onChain.deposited).toBeGreaterThanOrEqual(channel?.cumulativeSent ?? 0n);
    expect(channel?.cumulativeSent ?? 0n).toBeGreaterThan(0n);

    // Both sides show it in /api/v1/channels.
    const sent = (await (await fetch(`${client.api.url}/api/v1/channels`)).json()) as {
      sent: Array<{ channelId: string; recipient: string; paid: string; state: string }>;
    };
    expect(sent.sent).toContainEqual(
      expect.objectContaining({ channelId: channel?.channelId, recipient: providerWallet, state: "open" }),
    );
    const received = (await (await fetch(`${provider.api.url}/api/v1/channels`)).json()) as {
      received: Array<{ channelId: string; sender: string; amount: string }>;
    };
    const voucher = received.received.find((v) => v.channelId === channel?.channelId);
    expect(voucher?.sender).toBe(clientWallet);
    expect(BigInt(voucher?.amount ?? "0")).toBeGreaterThan(0n);

    // The provider goes away; the second read, a range across a stripe boundary, is local.
    await provider.stop();
    const from = 2 * BLOCK - 100;
    const to = 4 * BLOCK + 50;
    const second = await download(client, cid, { range: `bytes=${from}-${to}` });
    expect(second.response.status).toBe(206);
    expect(Buffer.compare(second.bytes, file.subarray(from, to + 1))).toBe(0);
  });

  it("rebuilds the stripes whose data blocks no provider has from their parity", async () => {
    const { provider, client } = await pair("provider2", "client2");
    const file = bytesOf(4 * BLOCK + 777, 11);
    const cid = await uploadTo(provider, file, 2, 2);
    const manifest = await decodeManifest(await provider.store.getBytes(cid), cid);
    // Slot 0 (a data slot) is lost: nobody on the network has those blocks any more.
    const lost = manifest.slots[0]?.blocks ?? [];
    for (const block of lost) await provider.store.delete(block);
    expect(lost.length).toBe(3);

    const { response, bytes } = await download(client, cid);
    expect(response.status).toBe(200);
    expect(Buffer.compare(bytes, file)).toBe(0);
    // The rebuilt blocks were checked against their CIDs and stored.
    for (const block of lost) expect(await client.store.has(block)).toBe(true);
  });

  it("answers 502 in JSON naming the stripe when the network holds too few of its blocks to rebuild it", async () => {
    const { provider, client } = await pair("provider5", "client1");
    const file = bytesOf(4 * BLOCK + 99, 17);
    const cid = await uploadTo(provider, file, 2, 1);
    const manifest = await decodeManifest(await provider.store.getBytes(cid), cid);
    // Stripe 0 keeps one of its three blocks; it needs two. The failure comes before the
    // first byte, so the answer is an error, not a cut-off body.
    for (const slot of [0, 1]) await provider.store.delete(manifest.slots[slot]?.blocks[0] as CID);
    const response = await fetch(`${client.api.url}/api/v1/data/${cid}`);
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toContain("application/json");
    const error = await errorOf(response);
    expect(error.code).toBe("UNRECOVERABLE");
    expect(error.field).toBe("cid");
    expect(error.message).toContain("stripe 0");
  });

  it("exports a UnixFS file (no erasure coding) through a block reader that fetches what is missing", async () => {
    const { provider, client } = await pair("provider4", "client2");
    // More than one chunk, so the root is a dag-pb node over raw leaves.
    const file = bytesOf(3 * BLOCK + 4_321, 13);
    const response = await fetch(`${provider.api.url}/api/v1/data`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: file,
    });
    const cid = CID.parse(((await response.json()) as { cid: string }).cid);
    expect(cid.code).toBe(0x70);
    await provider.discovery.provide(cid);
    const { response: got, bytes } = await download(client, cid);
    expect(got.status).toBe(200);
    expect(Buffer.compare(bytes, file)).toBe(0);
    const tail = await download(client, cid, { range: `bytes=-1000` });
    expect(tail.response.status).toBe(206);
    expect(Buffer.compare(tail.bytes, file.subarray(file.length - 1000))).toBe(0);
  });

  it("answers 404 naming the CID when no provider has it", async () => {
    const { client } = await pair("provider3", "client1");
    const nobody = await cidOf("a dataset nobody announced");
    const started = Date.now();
    const response = await fetch(`${client.api.url}/api/v1/data/${nobody}`);
    expect(response.status).toBe(404);
    const error = await errorOf(response);
    expect(error.code).toBe("NOT_FOUND");
    expect(error.field).toBe("cid");
    expect(error.message).toContain(nobody.toString());
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("answers 404 at once on a node with no peers (the lookup has nobody to ask)", async () => {
    const lonely = await startClient(world.devnet, world.dir, "client2");
    nodes.push(lonely);
    const nobody = await cidOf("asked of a node alone");
    const started = Date.now();
    const response = await fetch(`${lonely.api.url}/api/v1/data/${nobody}`);
    expect(response.status).toBe(404);
    expect((await errorOf(response)).message).toContain(nobody.toString());
    expect(Date.now() - started).toBeLessThan(3_000);

    // POST /api/v1/retrievals refuses the same way, and checks its input and token first.
    const retrieve = (body: unknown, headers: Record<string, string> = auth) =>
      fetch(`${lonely.api.url}/api/v1/retrievals`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await retrieve({ cid: nobody.toString() }, {})).status).toBe(401);
    const bad = await retrieve({ cid: "not-a-cid" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe("cid");
    const missing = await retrieve({ cid: nobody.toString() });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).message).toContain(nobody.toString());
  });
});
