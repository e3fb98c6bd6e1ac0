/**
 * Re-providing with real nodes on loopback: after a restart the provider announces what
 * its metadata store holds again (the DHT nodes it used to know are gone), a CID added to
 * the store is announced at the next timed round, and a CID that reached nobody is
 * retried once peers appear.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CID } from "multiformats/cid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDiscovery, type Discovery, type DiscoveryInit } from "../../src/discovery/index.ts";
import { type CairnLibp2p, networkPaths } from "../../src/network/index.ts";
import { createMetadataStore, type MetadataStore } from "../../src/store/metadata/index.ts";
import { cidOf, connect, quietLogger, routingTableSize, startNode, waitForRoutingTables } from "./helpers.ts";

let dataDir: string;
const running: Array<{ stop(): unknown }> = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "cairn-discovery-"));
});
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
  // A stopped node's peer store may still be finishing a write: retry ENOTEMPTY.
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

/** A few DHT nodes in a line, none of which knows anything yet. */
async function swarm(size: number): Promise<CairnLibp2p[]> {
  const nodes: CairnLibp2p[] = [];
  for (let i = 0; i < size; i++) {
    const node = await startNode();
    running.push(node);
    if (i > 0) await connect(node, nodes[i - 1] as CairnLibp2p);
    nodes.push(node);
  }
  await waitForRoutingTables(nodes, 1, 15_000);
  return nodes;
}

function metadataStore(): MetadataStore {
  const store = createMetadataStore({ logger: quietLogger }, { path: join(dataDir, "metadata.sqlite") });
  store.start();
  running.push(store);
  return store;
}

function addDataset(store: MetadataStore, cid: CID): void {
  store.datasets.put({ cid, rootCid: cid, size: 1 }, []);
}

/** The provider: a persisted identity, and discovery fed by its metadata store's datasets. */
async function provider(store: MetadataStore, init: Partial<DiscoveryInit> = {}) {
  const node = await startNode({ dir: networkPaths(dataDir).dir });
  running.push(node);
  const discovery = createDiscovery(
    { dht: node.services.dht, peerId: node.peerId, logger: quietLogger },
    { cids: () => store.datasets.list().map((d) => d.cid), initialDelay: 0, retryInterval: 300, ...init },
  );
  return { node, discovery };
}

function seekerDiscovery(node: CairnLibp2p): Discovery {
  const d = createDiscovery(
    { dht: node.services.dht, peerId: node.peerId, logger: quietLogger },
    { cids: () => [], initialDelay: 60_000 },
  );
  d.start();
  running.push(d);
  return d;
}

async function finds(seeker: Discovery, cid: CID, peerId: string): Promise<boolean> {
  for await (const p of seeker.findProviders(cid, { limit: 5, signal: AbortSignal.timeout(5_000) })) {
    if (p.peerId.toString() === peerId) return true;
  }
  return false;
}

describe("re-providing", () => {
  it("announces the metadata store's datasets again after a restart, to a DHT that forgot them", async () => {
    const store = metadataStore();
    const [a, b] = [await cidOf("dataset A"), await cidOf("dataset B")];
    addDataset(store, a);

    const before = await swarm(4);
    const first = await provider(store);
    await connect(first.node, before[0] as CairnLibp2p);
    await waitForRoutingTables([first.node], 1, 10_000);
    first.discovery.start();
    running.push(first.discovery);
    await expect.poll(() => first.discovery.announced.has(a.toString()), { timeout: 15_000 }).toBe(true);
    const id = first.node.peerId.toString();
    expect(await finds(seekerDiscovery(before[3] as CairnLibp2p), a, id)).toBe(true);

    // Everything stops; the old DHT nodes (and the records they held) are gone for good.
    for (const r of running.splice(0).reverse()) if (r !== store) await r.stop();
    running.push(store);
    addDataset(store, b);

    const after = await swarm(4);
    const second = await provider(store);
    expect(second.node.peerId.toString()).toBe(id);
    await connect(second.node, after[0] as CairnLibp2p);
    await waitForRoutingTables([second.node], 1, 10_000);
    second.discovery.start();
    running.push(second.discovery);
    await expect
      .poll(
        () => second.discovery.announced.has(a.toString()) && second.discovery.announced.has(b.toString()),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    const seeker = seekerDiscovery(after[3] as CairnLibp2p);
    expect(await finds(seeker, a, id)).toBe(true);
    expect(await finds(seeker, b, id)).toBe(true);
  }, 60_000);

  it("announces a dataset added to the store at the next timed round, without a provide call", async () => {
    const store = metadataStore();
    const nodes = await swarm(3);
    const p = await provider(store, { reprovideInterval: 500 });
    await connect(p.node, nodes[0] as CairnLibp2p);
    await waitForRoutingTables([p.node], 1, 10_000);
    p.discovery.start();
    running.push(p.discovery);
    const later = await cidOf("dataset added later");
    addDataset(store, later);
    await expect.poll(() => p.discovery.announced.has(later.toString()), { timeout: 10_000 }).toBe(true);
    expect(await finds(seekerDiscovery(nodes[2] as CairnLibp2p), later, p.node.peerId.toString())).toBe(true);
  }, 60_000);

  it("retries a CID that reached no peer once the routing table fills", async () => {
    const store = metadataStore();
    const lonely = await cidOf("announced while alone");
    addDataset(store, lonely);
    // With an empty routing table kad-dht's announcement waits until its timeout.
    const p = await provider(store, { provideTimeout: 1_000 });
    p.discovery.start();
    running.push(p.discovery);
    expect(routingTableSize(p.node)).toBe(0);
    const summary = await p.discovery.reprovide();
    expect(summary).toMatchObject({ cids: 1, provided: 0, retrying: 1 });

    const nodes = await swarm(3);
    await connect(p.node, nodes[0] as CairnLibp2p);
    // Generous: under a loaded machine the retry round and the DHT walk take seconds.
    await expect.poll(() => p.discovery.announced.has(lonely.toString()), { timeout: 30_000 }).toBe(true);
    expect(await finds(seekerDiscovery(nodes[2] as CairnLibp2p), lonely, p.node.peerId.toString())).toBe(
      true,
    );
  }, 60_000);

  it("refuses what is not a CID, and calls while stopped", async () => {
    const store = metadataStore();
    const p = await provider(store);
    const cid = await cidOf("x");
    await expect(p.discovery.provide(cid)).rejects.toMatchObject({ name: "DiscoveryNotStartedError" });
    p.discovery.start();
    running.push(p.discovery);
    await expect(p.discovery.provide("bafy-not-a-cid")).rejects.toMatchObject({ name: "InvalidCidError" });
    await expect(
      (async () => {
        for await (const _ of p.discovery.findProviders(cid, { limit: 0 })) break;
      })(),
    ).rejects.toMatchObject({ name: "InvalidLookupError" });
    expect(() =>
      createDiscovery(
        { dht: p.node.services.dht, peerId: p.node.peerId },
        { cids: () => [], reprovideInterval: 0 },
      ),
    ).toThrowError(expect.objectContaining({ name: "InvalidDiscoveryConfigError" }));
  });
});
