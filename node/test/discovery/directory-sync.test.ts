/**
 * The provider directory against a real chain (anvil with Cairn's contracts): providers
 * register and change their listing with real transactions, and the directory, fed by
 * getLogs polling from the registry's deploy block, must agree with the contract's views.
 */
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { bytesToHex, createWalletClient, type Hex, http, parseEther, toHex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createDirectorySync,
  type DirectorySync,
  ProviderDirectory,
  pollRegistryLogs,
} from "../../src/discovery/index.ts";
import { providerRegistryAbi } from "../../src/generated/contracts.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { quietLogger } from "./helpers.ts";

let devnet: Devnet;
const syncs: DirectorySync[] = [];

beforeAll(async () => {
  devnet = await startDevnet();
}, 60_000);
afterAll(async () => {
  await devnet?.stop();
});
afterEach(async () => {
  await Promise.all(syncs.splice(0).map((s) => s.stop()));
});

const label = (text: string): Hex => toHex(new TextEncoder().encode(text), { size: 16 });
const offer = (price: bigint, region: string) => ({
  pricePerBytePerSecond: price,
  maxCollateralPerByte: 1n,
  minDuration: 60n,
  maxDuration: 86_400n,
  capacity: 1n << 30n,
  region: label(region),
  infrastructure: label("bare-metal"),
});

async function newPeer() {
  const id = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
  return { text: id.toString(), bytes: bytesToHex(id.toMultihash().bytes) };
}

/** Sends a registry call from `account` and returns the block it was mined in. */
async function send(account: PrivateKeyAccount, functionName: string, args: unknown[], value?: bigint) {
  const wallet = createWalletClient({ account, chain: devnet.chain, transport: http(devnet.rpcUrl) });
  const { request } = await devnet.publicClient.simulateContract({
    account,
    address: devnet.contracts.ProviderRegistry.address,
    abi: providerRegistryAbi,
    functionName,
    args,
    value,
  } as never);
  const hash = await wallet.writeContract(request as never);
  const receipt = await devnet.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  expect(receipt.status).toBe("success");
  return receipt.blockNumber;
}

function startSync(directory: ProviderDirectory, confirmations: number): DirectorySync {
  const sync = createDirectorySync(
    {
      directory,
      source: pollRegistryLogs({
        client: devnet.publicClient,
        address: devnet.contracts.ProviderRegistry.address,
        pollInterval: 100,
        confirmations,
        // Small ranges, so the history is read in several getLogs calls.
        maxBlockRange: 3n,
      }),
      logger: quietLogger,
    },
    { fromBlock: BigInt(devnet.contracts.ProviderRegistry.blockNumber) },
  );
  sync.start();
  syncs.push(sync);
  return sync;
}

async function onChain(address: `0x${string}`) {
  const args = [address] as const;
  const registry = { address: devnet.contracts.ProviderRegistry.address, abi: providerRegistryAbi };
  const info = await devnet.publicClient.readContract({ ...registry, functionName: "providerInfo", args });
  const o = await devnet.publicClient.readContract({ ...registry, functionName: "offerOf", args });
  return { info, offer: o };
}

describe("provider directory synced from the chain", () => {
  it("reads history from the deploy block, follows new blocks, and matches the contract", async () => {
    const p1 = devnet.account("provider1");
    const p2 = devnet.account("provider2");
    const [peer1, peer1b, peer2] = [await newPeer(), await newPeer(), await newPeer()];

    // History, before any sync runs.
    await send(
      p1,
      "register",
      [offer(5n, "eu-west"), peer1.bytes, ["/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/tcp/8080/http"]],
      parseEther("2"),
    );
    const historyEnd = await send(p1, "addStake", [], parseEther("1"));

    const directory = new ProviderDirectory();
    const sync = startSync(directory, 0);
    await sync.waitForBlock(historyEnd, { signal: AbortSignal.timeout(20_000) });
    expect(sync.ready).toBe(true);
    const first = directory.byPeerId(peer1.text);
    expect(first?.address).toBe(p1.address);
    expect(first?.multiaddrs).toEqual(["/ip4/127.0.0.1/tcp/4001"]);
    expect(first?.apiUrls).toEqual(["http://127.0.0.1:8080"]);
    expect(first?.stake).toBe(parseEther("3"));

    // Live changes.
    await send(
      p2,
      "register",
      [offer(3n, "us-east"), peer2.bytes, ["/dns4/p2.example/tcp/4001"]],
      parseEther("1"),
    );
    await send(p1, "updateOffer", [offer(4n, "eu-central")]);
    await send(p1, "pause", []);
    await send(p1, "requestWithdrawal", [parseEther("1")]);
    const last = await send(p1, "updateEndpoints", [peer1b.bytes, ["/ip4/127.0.0.1/tcp/4101"]]);
    await sync.waitForBlock(last, { signal: AbortSignal.timeout(20_000) });

    const p1Record = directory.byAddress(p1.address);
    const chain1 = await onChain(p1.address);
    expect(p1Record).toMatchObject({
      peerId: peer1b.text,
      multiaddrs: ["/ip4/127.0.0.1/tcp/4101"],
      apiUrls: [],
      paused: chain1.info.paused,
      stake: chain1.info.stake,
      lockedCollateral: chain1.info.lockedCollateral,
      exitAmount: chain1.info.exitAmount,
      exitUnlocksAt: Number(chain1.info.exitUnlocksAt),
      activeFrom: Number(chain1.info.activeFrom),
    });
    expect(p1Record?.paused).toBe(true);
    expect(p1Record?.offer).toMatchObject({
      pricePerBytePerSecond: chain1.offer.pricePerBytePerSecond,
      capacity: chain1.offer.capacity,
      region: "eu-central",
      infrastructure: "bare-metal",
    });
    expect(directory.byPeerId(peer1.text)).toBeUndefined();
    expect(directory.byPeerId(peer2.text)?.address).toBe(p2.address);

    // Paused providers are left out of listings unless asked for.
    expect(directory.list().map((p) => p.address)).toEqual([p2.address]);
    expect(directory.list({ includePaused: true }).map((p) => p.address)).toEqual([p2.address, p1.address]);
    // Not active until the activation delay has passed on-chain.
    const now = Number((await devnet.publicClient.getBlock()).timestamp);
    expect(directory.list({ activeAt: now })).toEqual([]);
    expect(directory.list({ activeAt: now + 3600 })).toHaveLength(1);

    await send(p1, "resume", []);
    const resumed = await send(p1, "updateOffer", [offer(2n, "eu-central")]);
    await sync.waitForBlock(resumed, { signal: AbortSignal.timeout(20_000) });
    expect(directory.list().map((p) => p.address)).toEqual([p1.address, p2.address]);
  }, 60_000);

  it("applies a log only once it is `confirmations` blocks deep", async () => {
    const p3 = devnet.account("provider3");
    const peer = await newPeer();
    const directory = new ProviderDirectory();
    const sync = startSync(directory, 2);
    const block = await send(p3, "register", [offer(9n, "ap-south"), peer.bytes, []], parseEther("1"));
    await sync.waitForBlock(block - 2n, { signal: AbortSignal.timeout(20_000) });
    await new Promise((r) => setTimeout(r, 400));
    expect(directory.byPeerId(peer.text)).toBeUndefined();
    await devnet.mine(2);
    await sync.waitForBlock(block, { signal: AbortSignal.timeout(20_000) });
    expect(directory.byPeerId(peer.text)?.address).toBe(p3.address);
  }, 60_000);
});
