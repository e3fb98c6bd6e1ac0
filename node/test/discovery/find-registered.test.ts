/**
 * A session's view of a provider: found in the DHT by the CID it announced, and matched by
 * peer id to its registry entry (wallet and price), on real nodes on loopback.
 */
import { bytesToHex, getAddress } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDiscovery,
  decodeRegistryLogs,
  type Discovery,
  ProviderDirectory,
} from "../../src/discovery/index.ts";
import type { CairnLibp2p } from "../../src/network/index.ts";
import { cidOf, connect, quietLogger, startNode, waitForRoutingTables } from "./helpers.ts";
import { label, offer, rawRegistryLog } from "./registry-logs.ts";

const REGISTRY = getAddress("0xc7499ab425b340eda411e43cdf71fce613611b18");
const WALLET = getAddress("0x1000000000000000000000000000000000000001");

const running: Array<{ stop(): unknown }> = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

describe("findProviders with a provider directory", () => {
  it("yields the registered wallet and offer of a provider found in the DHT, and nothing for an unregistered one", async () => {
    const nodes: CairnLibp2p[] = [];
    for (let i = 0; i < 4; i++) {
      const node = await startNode();
      running.push(node);
      if (i > 0) await connect(node, nodes[i - 1] as CairnLibp2p);
      nodes.push(node);
    }
    await waitForRoutingTables(nodes, 1, 15_000);
    const [registered, unregistered, , seekerNode] = nodes as [
      CairnLibp2p,
      CairnLibp2p,
      CairnLibp2p,
      CairnLibp2p,
    ];

    const directory = new ProviderDirectory();
    for (const log of decodeRegistryLogs([
      rawRegistryLog(
        REGISTRY,
        "ProviderRegistered",
        {
          provider: WALLET,
          stake: 10n ** 18n,
          offer: offer({ pricePerBytePerSecond: 42n, region: label("eu-west") }),
          peerId: bytesToHex(registered.peerId.toMultihash().bytes),
          multiaddrs: registered.getMultiaddrs().map(String),
          activeFrom: 0,
        },
        3n,
        0,
      ),
    ]))
      directory.apply(log);

    const discoveryOf = (node: CairnLibp2p, withDirectory: boolean): Discovery => {
      const d = createDiscovery(
        {
          dht: node.services.dht,
          peerId: node.peerId,
          logger: quietLogger,
          ...(withDirectory ? { directory } : {}),
        },
        { cids: () => [], initialDelay: 60_000 },
      );
      d.start();
      running.push(d);
      return d;
    };
    const cid = await cidOf("a dataset two nodes hold");
    expect((await discoveryOf(registered, false).provide(cid)).peers).toBeGreaterThan(0);
    expect((await discoveryOf(unregistered, false).provide(cid)).peers).toBeGreaterThan(0);

    const seeker = discoveryOf(seekerNode, true);
    const byPeer = new Map<string, { wallet?: string; price?: bigint }>();
    for await (const p of seeker.findProviders(cid, { limit: 2, signal: AbortSignal.timeout(10_000) })) {
      byPeer.set(p.peerId.toString(), {
        wallet: p.registered?.address,
        price: p.registered?.offer.pricePerBytePerSecond,
      });
    }
    expect(byPeer.get(registered.peerId.toString())).toEqual({ wallet: WALLET, price: 42n });
    expect(byPeer.get(unregistered.peerId.toString())).toEqual({ wallet: undefined, price: undefined });

    // A CID nobody announced: the lookup ends empty after its few walks, well before its timeout.
    const started = Date.now();
    const nobody: string[] = [];
    for await (const p of seeker.findProviders(await cidOf("nobody has this")))
      nobody.push(p.peerId.toString());
    expect(nobody).toEqual([]);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
