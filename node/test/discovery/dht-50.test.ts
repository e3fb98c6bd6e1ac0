/**
 * Fifty real libp2p nodes (TCP, Noise, Yamux, the private `/cairn/kad/1.0.0` DHT) in this
 * process, on loopback. Ten of them announce a dataset CID each through Discovery; for
 * every CID, another node (one with no open connection to the provider, where there is
 * one) finds it. About 40 s on two cores with light load; much longer when other test
 * runs share the cores, hence the generous hook and test timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiscovery, type Discovery } from "../../src/discovery/index.ts";
import type { CairnLibp2p } from "../../src/network/index.ts";
import {
  cidOf,
  connect,
  inBatches,
  quietLogger,
  seeded,
  startNode,
  waitForRoutingTables,
} from "./helpers.ts";

const NODES = 50;
const PROVIDERS = 10;
const CIDS_PER_PROVIDER = 1;

const nodes: CairnLibp2p[] = [];
const discoveries: Discovery[] = [];

beforeAll(async () => {
  // Pushed as each one starts, so afterAll stops them all even if a later start fails.
  await Promise.all(
    Array.from({ length: NODES }, async (_, i) => {
      nodes[i] = await startNode();
    }),
  );
  // Each node dials its predecessor and two random earlier nodes: a connected graph in
  // which most pairs are several hops apart, so lookups must walk the DHT.
  const random = seeded(5);
  const links: Array<[number, number]> = [];
  for (let i = 1; i < NODES; i++) {
    const targets = new Set([i - 1, Math.floor(random() * i), Math.floor(random() * i)]);
    for (const t of targets) links.push([i, t]);
  }
  // A few dials at a time: each is a Noise handshake, and on two busy cores a burst of a
  // hundred of them runs past libp2p's upgrade timeout.
  await inBatches(links, 4, ([i, t]) => connect(nodes[i] as CairnLibp2p, nodes[t] as CairnLibp2p));
  await waitForRoutingTables(nodes, 1, 30_000);
  for (const node of nodes) {
    const discovery = createDiscovery(
      { dht: node.services.dht, peerId: node.peerId, logger: quietLogger },
      { cids: () => [], initialDelay: 60_000, retryInterval: 500 },
    );
    discovery.start();
    discoveries.push(discovery);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(discoveries.map((d) => d.stop()));
  await Promise.all(nodes.filter((n) => n !== undefined).map((n) => n.stop()));
  // Every node must really be down: no listener left behind.
  expect(nodes.every((n) => n.status === "stopped")).toBe(true);
}, 30_000);

describe("a 50-node private DHT", () => {
  it("finds the provider of every published CID from another node", async () => {
    const published: Array<{ cid: Awaited<ReturnType<typeof cidOf>>; provider: number }> = [];
    for (let p = 0; p < PROVIDERS; p++) {
      const provider = p * 5; // spread over the graph
      for (let c = 0; c < CIDS_PER_PROVIDER; c++) {
        published.push({ cid: await cidOf(`dataset ${provider}/${c}`), provider });
      }
    }
    await inBatches(published, 8, ({ cid, provider }) => (discoveries[provider] as Discovery).provide(cid));
    // An announcement that reached nobody (messages time out when the cores are starved)
    // is retried by Discovery itself; wait until each has reached at least one peer.
    await expect
      .poll(
        () => published.every(({ cid, provider }) => discoveries[provider]?.announced.has(cid.toString())),
        {
          timeout: 60_000,
          interval: 200,
        },
      )
      .toBe(true);

    const random = seeded(11);
    const misses: string[] = [];
    await inBatches(published, 8, async ({ cid, provider }) => {
      const providerId = nodes[provider]?.peerId;
      // Prefer a seeker with no open connection to the provider; announcing opens many,
      // so fall back to any other node once every candidate has been looked at.
      let seeker = Math.floor(random() * NODES);
      for (let tries = 0; tries < NODES; tries++) {
        const connected = (nodes[seeker]?.getConnections(providerId).length ?? 0) > 0;
        if (seeker !== provider && !connected) break;
        seeker = (seeker + 1) % NODES;
      }
      if (seeker === provider) seeker = (seeker + 1) % NODES;
      const found: string[] = [];
      for await (const p of (discoveries[seeker] as Discovery).findProviders(cid, { limit: 1 })) {
        found.push(p.peerId.toString());
      }
      if (!found.includes(String(providerId))) misses.push(`${cid} (provider ${provider}, seeker ${seeker})`);
    });
    expect(misses).toEqual([]);
  }, 120_000);
});
