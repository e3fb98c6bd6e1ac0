import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { type Address, bytesToHex, getAddress } from "viem";
import { describe, expect, it } from "vitest";
import {
  decodeRegistryLogs,
  ProviderDirectory,
  type RegistryLog,
  splitEndpoints,
} from "../../src/discovery/index.ts";
import { label, offer, rawRegistryLog } from "./registry-logs.ts";

const REGISTRY = getAddress("0xc7499ab425b340eda411e43cdf71fce613611b18");
const ALICE = getAddress("0x1000000000000000000000000000000000000001");
const BOB = getAddress("0x2000000000000000000000000000000000000002");
const ETH = 10n ** 18n;

async function newPeer() {
  const id = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
  return { text: id.toString(), bytes: bytesToHex(id.toMultihash().bytes) };
}

/** Decodes raw logs one by one, in the order given. */
function logs(...raw: Parameters<typeof rawRegistryLog>[]): RegistryLog[] {
  return decodeRegistryLogs(raw.map((r) => rawRegistryLog(...r)));
}

function registered(provider: Address, peerIdBytes: `0x${string}`, block: bigint, multiaddrs: string[] = []) {
  return [
    REGISTRY,
    "ProviderRegistered",
    { provider, stake: 2n * ETH, offer: offer(), peerId: peerIdBytes, multiaddrs, activeFrom: 1_000 },
    block,
    0,
  ] as Parameters<typeof rawRegistryLog>;
}

describe("provider directory (fold)", () => {
  it("follows a provider through its whole life: register, endpoints, offer, pause, stake, collateral, slash, exit", async () => {
    const peer = await newPeer();
    const moved = await newPeer();
    const d = new ProviderDirectory();
    const sequence = logs(
      registered(ALICE, peer.bytes, 10n, ["/ip4/10.0.0.1/tcp/4001", "/dns4/alice.example/tcp/443/https"]),
      [REGISTRY, "StakeAdded", { provider: ALICE, amount: ETH, stake: 3n * ETH }, 11n, 0],
      [REGISTRY, "CollateralLocked", { provider: ALICE, amount: ETH, locked: ETH }, 12n, 0],
      [REGISTRY, "ProviderPaused", { provider: ALICE }, 13n, 0],
      [
        REGISTRY,
        "OfferUpdated",
        { provider: ALICE, offer: offer({ pricePerBytePerSecond: 7n, region: label("us") }) },
        14n,
        0,
      ],
      [
        REGISTRY,
        "ProviderSlashed",
        { provider: ALICE, amount: ETH / 2n, fromExit: 0n, recipients: [BOB], shares: [ETH / 2n] },
        15n,
        0,
      ],
      [
        REGISTRY,
        "WithdrawalRequested",
        { provider: ALICE, amount: ETH, exitAmount: ETH, unlocksAt: 5_000 },
        16n,
        0,
      ],
      [
        REGISTRY,
        "EndpointsUpdated",
        { provider: ALICE, peerId: moved.bytes, multiaddrs: ["/ip4/10.0.0.2/tcp/4001"] },
        17n,
        0,
      ],
    );
    expect(sequence.map((l) => l.eventName)).toHaveLength(8);
    for (const log of sequence) expect(d.apply(log)?.provider?.address).toBe(ALICE);

    const alice = d.byAddress(ALICE.toLowerCase());
    expect(alice).toMatchObject({
      address: ALICE,
      peerId: moved.text,
      multiaddrs: ["/ip4/10.0.0.2/tcp/4001"],
      apiUrls: [],
      paused: true,
      // 3 ETH, less 0.5 slashed (taken from the 1 ETH locked), less 1 queued to leave.
      stake: 3n * ETH - ETH / 2n - ETH,
      lockedCollateral: ETH / 2n,
      exitAmount: ETH,
      exitUnlocksAt: 5_000,
      activeFrom: 1_000,
      slashes: 1,
      slashedTotal: ETH / 2n,
      registeredAtBlock: 10n,
      updatedAtBlock: 17n,
    });
    expect(alice?.offer).toMatchObject({
      pricePerBytePerSecond: 7n,
      region: "us",
      infrastructure: "hetzner",
    });
    // The old peer id no longer leads to Alice; the new one does.
    expect(d.byPeerId(peer.text)).toBeUndefined();
    expect(d.byPeerId(moved.text)?.address).toBe(ALICE);
    expect(d.syncedBlock).toBe(17n);
  });

  it("ignores a replayed log and events about unknown providers", async () => {
    const peer = await newPeer();
    const d = new ProviderDirectory();
    const [reg, stake] = logs(registered(ALICE, peer.bytes, 10n), [
      REGISTRY,
      "StakeAdded",
      { provider: ALICE, amount: ETH, stake: 3n * ETH },
      11n,
      0,
    ]);
    d.apply(reg as RegistryLog);
    d.apply(stake as RegistryLog);
    expect(d.apply(stake as RegistryLog)).toBeUndefined();
    expect(d.apply(reg as RegistryLog)).toBeUndefined();
    expect(d.byAddress(ALICE)?.stake).toBe(3n * ETH);
    const [stray] = logs([REGISTRY, "ProviderPaused", { provider: BOB }, 12n, 0]);
    expect(d.apply(stray as RegistryLog)?.provider).toBeUndefined();
    expect(d.size).toBe(1);
  });

  it("answers no wallet for a peer id two wallets claim", async () => {
    const peer = await newPeer();
    const d = new ProviderDirectory();
    for (const log of logs(registered(ALICE, peer.bytes, 10n), registered(BOB, peer.bytes, 11n)))
      d.apply(log);
    expect(d.byPeerId(peer.text)).toBeUndefined();
    expect(
      d
        .claimants(peer.text)
        .map((p) => p.address)
        .sort(),
    ).toEqual([ALICE, BOB].sort());
    expect(d.list({ withPeerId: true })).toEqual([]);
  });

  it("keeps a provider whose peer id bytes are garbage, without a peer id", () => {
    const d = new ProviderDirectory();
    for (const log of logs(registered(ALICE, "0xdeadbeef", 10n))) d.apply(log);
    expect(d.byAddress(ALICE)?.peerId).toBeUndefined();
    expect(d.list({ withPeerId: true })).toEqual([]);
    expect(d.list()).toHaveLength(1);
  });

  it("filters and sorts listings", async () => {
    const [a, b] = [await newPeer(), await newPeer()];
    const d = new ProviderDirectory();
    const cheapSmall = { pricePerBytePerSecond: 3n, capacity: 1n << 30n, region: label("us") };
    for (const log of logs(
      registered(ALICE, a.bytes, 10n),
      [REGISTRY, "OfferUpdated", { provider: ALICE, offer: offer(cheapSmall) }, 11n, 0],
      registered(BOB, b.bytes, 12n),
    ))
      d.apply(log);
    expect(d.list().map((p) => p.address)).toEqual([ALICE, BOB]);
    expect(d.list({ minCapacity: 1n << 35n }).map((p) => p.address)).toEqual([BOB]);
    expect(d.list({ maxPricePerBytePerSecond: 5n }).map((p) => p.address)).toEqual([ALICE]);
    expect(d.list({ region: "eu-west" }).map((p) => p.address)).toEqual([BOB]);
    expect(d.list({ duration: 60n })).toEqual([]);
    expect(d.list({ activeAt: 999 })).toEqual([]);
    expect(d.list({ minFreeStake: 2n * ETH })).toHaveLength(2);
    expect(d.list({ minFreeStake: 2n * ETH + 1n })).toEqual([]);
    expect(() => d.byAddress("not an address")).toThrowError(
      expect.objectContaining({ name: "InvalidLookupError" }),
    );
  });
});

describe("endpoints", () => {
  it("splits libp2p multiaddrs from the REST API's HTTP multiaddrs and drops junk", () => {
    const split = splitEndpoints([
      "/ip4/127.0.0.1/tcp/4001",
      "/ip4/127.0.0.1/tcp/8080/http",
      "/dns4/node.example/tcp/443/https",
      "/dns/node.example/tcp/443/tls/http",
      "/ip6/::1/tcp/8080/http",
      "not a multiaddr",
      `/dns4/${"x".repeat(300)}/tcp/1`,
    ]);
    expect(split).toEqual({
      libp2p: ["/ip4/127.0.0.1/tcp/4001"],
      api: [
        "http://127.0.0.1:8080",
        "https://node.example:443",
        "https://node.example:443",
        "http://[::1]:8080",
      ],
      dropped: 2,
    });
    expect(splitEndpoints(Array.from({ length: 40 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`)).dropped).toBe(24);
  });
});
