import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogManager } from "../../src/logging/index.ts";
import {
  type CairnLibp2p,
  createNetwork,
  KAD_PROTOCOL,
  type NetworkInit,
  networkPaths,
} from "../../src/network/index.ts";
import { freePort } from "../helpers/devnet.ts";

const LOOPBACK = ["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"];
const quiet = {
  logger: {
    component: "test",
    trace() {},
    debug() {},
    info() {},
    warn() {},
    error() {},
    enabled: () => false,
    child() {
      return quiet.logger;
    },
  },
};

let dataDir: string;
const started: CairnLibp2p[] = [];

async function node(init: NetworkInit = {}): Promise<CairnLibp2p> {
  const n = await createNetwork(quiet, {
    listen: LOOPBACK,
    dht: { initialQuerySelfInterval: 100 },
    ...init,
  });
  await n.start();
  started.push(n);
  return n;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "cairn-network-"));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.stop()));
  await rm(dataDir, { recursive: true, force: true });
});

describe("network", () => {
  it("connects two nodes over TCP and over WebSockets, and they ping", async () => {
    const a = await node();
    const b = await node();
    const addrs = b.getMultiaddrs();
    const tcpAddr = addrs.find((m) => !m.toString().includes("/ws"));
    const wsAddr = addrs.find((m) => m.toString().includes("/ws"));
    expect(tcpAddr).toBeDefined();
    expect(wsAddr).toBeDefined();

    const rtt = await a.services.ping.ping(tcpAddr ?? addrs[0] ?? multiaddr());
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(a.getConnections(b.peerId)).toHaveLength(1);

    const c = await node();
    await c.dial(wsAddr ?? multiaddr());
    expect(c.getConnections(b.peerId)[0]?.remoteAddr.toString()).toContain("/ws");
    // Identify runs on every connection and tells each side the other's protocols.
    await expect
      .poll(async () => (await c.peerStore.get(b.peerId)).protocols, { timeout: 5000 })
      .toContain(KAD_PROTOCOL);
  });

  it("keeps its peer id and its peer store across a restart", async () => {
    const dir = networkPaths(dataDir).dir;
    const other = await node();
    const first = await node({ dir });
    await first.dial(other.getMultiaddrs()[0] ?? multiaddr());
    await expect.poll(async () => first.peerStore.has(other.peerId), { timeout: 5000 }).toBe(true);
    const id = first.peerId.toString();
    await first.stop();

    const keyInfo = await stat(networkPaths(dataDir).peerKey);
    expect(keyInfo.mode & 0o777).toBe(0o600);

    const second = await node({ dir });
    expect(second.peerId.toString()).toBe(id);
    expect(await second.peerStore.has(other.peerId)).toBe(true);
    const known = await second.peerStore.get(other.peerId);
    expect(known.addresses.length).toBeGreaterThan(0);
    // The remembered address is enough to dial the peer again.
    await second.dial(other.peerId);
    expect(second.getConnections(other.peerId).length).toBeGreaterThan(0);
  });

  it("writes nothing to its data folder once stopped, even when its peer stops at the same time", async () => {
    // Each one used to patch its peer store from the other's last identify message after
    // its own stop had resolved (PeerDatastore).
    const dirA = join(dataDir, "a");
    const dirB = join(dataDir, "b");
    const a = await node({ dir: dirA });
    const b = await node({ dir: dirB });
    await a.dial(b.getMultiaddrs()[0] ?? multiaddr());
    await expect.poll(async () => a.peerStore.has(b.peerId), { timeout: 5000 }).toBe(true);
    await Promise.all([a.stop(), b.stop()]);
    await rm(dirA, { recursive: true, force: true });
    await rm(dirB, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await expect(stat(dirA)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(stat(dirB)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a peer key that other users can read, and one that is not a key", async () => {
    const paths = networkPaths(dataDir);
    await createNetwork(quiet, { dir: paths.dir, listen: [] });
    await chmod(paths.peerKey, 0o644);
    await expect(createNetwork(quiet, { dir: paths.dir, listen: [] })).rejects.toMatchObject({
      name: "PeerKeyPermissionsError",
    });
    await writeFile(paths.peerKey, "not a key", { mode: 0o600 });
    await chmod(paths.peerKey, 0o600);
    await expect(createNetwork(quiet, { dir: paths.dir, listen: [] })).rejects.toMatchObject({
      name: "InvalidPeerKeyError",
    });
  });

  it("joins through bootstrap peers and announces the configured addresses", async () => {
    const seed = await node();
    const seedAddr = seed.getMultiaddrs()[0]?.toString() ?? "";
    const announce = "/dns4/provider.example/tcp/4001";
    const joiner = await node({ bootstrap: [seedAddr], announce: [announce] });
    await expect
      .poll(() => joiner.getConnections(seed.peerId).length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(joiner.getMultiaddrs().map(String)).toEqual([`${announce}/p2p/${joiner.peerId}`]);
  });

  it("keeps dialing its bootstrap peer while it has no connection, so a seed that comes up late is still joined, and the network through it", async () => {
    // The seed's address is fixed before it listens: the joiner's first dial fails.
    const seedKey = await generateKeyPair("Ed25519");
    const seedId = peerIdFromPrivateKey(seedKey);
    const port = await freePort();
    const joiner = await node({ bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${seedId}`] });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(joiner.getConnections().length).toBe(0);
    const seed = await node({ listen: [`/ip4/127.0.0.1/tcp/${port}`], privateKey: seedKey });
    const other = await node({ bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${seedId}`] });
    await expect
      .poll(() => joiner.getConnections(seed.peerId).length, { timeout: 15_000, interval: 250 })
      .toBeGreaterThan(0);
    // Through the seed, the DHT brings the joiner to the rest of the network within
    // seconds, not at kad-dht's next round 5 minutes later.
    await expect
      .poll(() => joiner.getConnections(other.peerId).length, { timeout: 5_000, interval: 100 })
      .toBeGreaterThan(0);
  }, 30_000);

  it("writes libp2p's logs through the cairn logger, at debug", async () => {
    const lines: Array<{ component: string; level: string; msg: string }> = [];
    const manager = new LogManager({
      level: "info,cairn:network=debug",
      format: "json",
      sink: (l) => lines.push(JSON.parse(l)),
    });
    const n = await createNetwork(
      { logger: manager.logger("network") },
      { listen: ["/ip4/127.0.0.1/tcp/0"] },
    );
    await n.start();
    await n.stop();
    const libp2p = lines.filter((l) => l.component.startsWith("cairn:network:libp2p:"));
    expect(libp2p.length).toBeGreaterThan(0);
    expect(new Set(libp2p.map((l) => l.level))).toEqual(new Set(["debug"]));
    expect(libp2p.every((l) => !/%[a-z]/.test(l.msg))).toBe(true);
  });

  it("finds the provider of a CID in a 10-node private DHT", async () => {
    const nodes: CairnLibp2p[] = [];
    for (let i = 0; i < 10; i++) nodes.push(await node({ listen: ["/ip4/127.0.0.1/tcp/0"] }));
    // A line of connections: each node knows only its neighbour, so a lookup must walk the DHT.
    for (let i = 1; i < nodes.length; i++) {
      await nodes[i]?.dial(nodes[i - 1]?.getMultiaddrs()[0] ?? multiaddr());
    }
    // Identify must finish on each link before kad-dht puts the neighbour in its routing table.
    for (let i = 1; i < nodes.length; i++) {
      const [a, b] = [nodes[i], nodes[i - 1]];
      if (a === undefined || b === undefined) continue;
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        await expect
          .poll(async () => (await x.peerStore.get(y.peerId)).protocols, { timeout: 10_000 })
          .toContain(KAD_PROTOCOL);
      }
    }
    const cid = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode("dataset")));
    const provider = nodes[0];
    const seeker = nodes[9];
    if (provider === undefined || seeker === undefined) throw new Error("unreachable");
    await provider.contentRouting.provide(cid, { signal: AbortSignal.timeout(20_000) });

    // A lookup that races the routing tables' first refresh can come back empty; a client retries.
    const found: string[] = [];
    for (let attempt = 0; attempt < 5 && !found.includes(provider.peerId.toString()); attempt++) {
      for await (const info of seeker.contentRouting.findProviders(cid, {
        signal: AbortSignal.timeout(10_000),
      })) {
        found.push(info.id.toString());
        if (info.id.equals(provider.peerId)) break;
      }
      if (!found.includes(provider.peerId.toString())) await new Promise((r) => setTimeout(r, 500));
    }
    expect(found).toContain(provider.peerId.toString());
  }, 60_000);
});

/**
 * Resolves when `node` ends its next DHT self-lookup. kad-dht announces each one on
 * libp2p's event bus, under a name libp2p's typed event map does not list.
 */
function selfLookupEnd(node: CairnLibp2p): Promise<unknown> {
  return new Promise((resolve) =>
    node.addEventListener("kad-dht:query:self" as never, resolve, { once: true }),
  );
}

describe("the DHT after a spell without peers", () => {
  it("looks itself up again when it reconnects after losing every connection, so it meets the nodes that joined meanwhile", async () => {
    const lost = await node({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    const isolated = await node({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    const joined = selfLookupEnd(isolated);
    await isolated.dial(lost.getMultiaddrs()[0] ?? multiaddr());
    await joined;
    await lost.stop();
    await expect.poll(() => isolated.getConnections().length, { timeout: 5_000 }).toBe(0);

    // A newcomer joins through a seed while the node is cut off. Its self-lookup asks the
    // seed, which has never heard of the node, so only the node's own lookup can bring
    // the two together; kad-dht's next round would be 5 minutes away.
    const seed = await node({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    const newcomer = await node({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    const newcomerJoined = selfLookupEnd(newcomer);
    await newcomer.dial(seed.getMultiaddrs()[0] ?? multiaddr());
    await newcomerJoined;

    await isolated.dial(seed.getMultiaddrs()[0] ?? multiaddr());
    await expect
      .poll(() => isolated.getConnections(newcomer.peerId).length, { timeout: 5_000, interval: 100 })
      .toBeGreaterThan(0);
  }, 30_000);
});
