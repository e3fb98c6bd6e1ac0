import { multiaddr } from "@multiformats/multiaddr";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { type CairnLibp2p, createNetwork, type NetworkInit } from "../../src/network/index.ts";

export const quietLogger = {
  component: "test",
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  enabled: () => false,
  child() {
    return quietLogger;
  },
};

/**
 * A libp2p node on loopback TCP. Every node of a test shares 127.0.0.1, so the per-host
 * inbound limits (meant for strangers on the internet) are raised.
 */
export async function startNode(init: NetworkInit = {}): Promise<CairnLibp2p> {
  const node = await createNetwork(
    { logger: quietLogger },
    {
      listen: ["/ip4/127.0.0.1/tcp/0"],
      inboundConnectionThreshold: 10_000,
      maxIncomingPendingConnections: 256,
      dht: { initialQuerySelfInterval: 100 },
      ...init,
    },
  );
  await node.start();
  return node;
}

/** Peers in the node's Kademlia routing table. */
export function routingTableSize(node: CairnLibp2p): number {
  return (node.services.dht as unknown as { routingTable: { size: number } }).routingTable.size;
}

/**
 * Dials `to`. On two shared cores a Noise handshake can overrun the dial timeout when other
 * test files are busy, which says nothing about the code under test, so a failed dial is
 * tried again (three attempts in all).
 */
export async function connect(from: CairnLibp2p, to: CairnLibp2p): Promise<void> {
  const address = to.getMultiaddrs()[0] ?? multiaddr();
  for (let attempt = 1; ; attempt++) {
    try {
      await from.dial(address);
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/**
 * Waits until each node has at least `min` peers in its routing table. kad-dht adds a peer
 * only once identify has told it the peer speaks `/cairn/kad/1.0.0`; on two busy cores an
 * identify can time out, so a node still short of peers after a few seconds runs identify
 * again on its open connections, as a node would after its next reconnect.
 */
export async function waitForRoutingTables(
  nodes: CairnLibp2p[],
  min: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let nextIdentify = Date.now() + 5_000;
  while (nodes.some((n) => routingTableSize(n) < min)) {
    if (Date.now() > deadline) {
      const sizes = nodes.map(routingTableSize);
      throw new Error(`routing tables still too small after ${timeoutMs} ms: ${sizes.join(",")}`);
    }
    if (Date.now() > nextIdentify) {
      nextIdentify = Date.now() + 5_000;
      for (const node of nodes.filter((n) => routingTableSize(n) < min)) {
        for (const connection of node.getConnections()) {
          node.services.identify.identify(connection).catch(() => {});
        }
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function cidOf(text: string): Promise<CID> {
  return CID.createV1(0x71, await sha256.digest(new TextEncoder().encode(text)));
}

/** A deterministic pseudo-random sequence, so a failing topology can be replayed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight; results in input order. */
export async function inBatches<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
