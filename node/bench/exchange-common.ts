/**
 * What the exchange benchmark's processes share (bench/exchange.ts runs the rounds,
 * bench/exchange-roles.ts is every child process): the dataset's bytes, the transports,
 * a Helia node built for loopback, the payment terms, and the chain a paid role uses.
 */
import { createCipheriv, createHash } from "node:crypto";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { createPublicClient, defineChain, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { LogManager } from "../src/logging/index.ts";
import { type CairnLibp2p, createNetwork } from "../src/network/index.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { testTransactionSender } from "../test/helpers/test-sender.ts";

export const MiB = 1024 * 1024;
export const BLOCK = 256 * 1024;
export const RAW_PROTOCOL = "/cairn/bench/raw/1.0.0";
const RAW = 0x55;
const SHA2_256 = 0x12;
export const log = new LogManager({ level: "silent" }).logger("bench");

/**
 * 1 gwei a block; a voucher every 128 blocks (32 MiB); cashed on-chain every 512 blocks.
 * The threshold must cover what a client keeps in flight: the provider counts a block as
 * owed when it sends it, the client when it receives it, so with a 64-block window a
 * threshold below about 2 x 64 blocks makes the provider wait for every voucher.
 */
export const PRICE_PER_BLOCK = 10n ** 9n;
export const PAYMENT_THRESHOLD = 256n * PRICE_PER_BLOCK;
export const SETTLE_THRESHOLD = 512n * PRICE_PER_BLOCK;

export function blockCountOf(mib: number): number {
  return Math.ceil((mib * MiB) / BLOCK);
}

/** Deterministic bytes for block `i`: AES-CTR keystream, fast and identical in every process. */
export function blockBytes(i: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(i, 12);
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), iv);
  return new Uint8Array(cipher.update(Buffer.alloc(BLOCK)));
}

export function cidOf(bytes: Uint8Array): CID {
  return CID.createV1(RAW, createDigest(SHA2_256, createHash("sha256").update(bytes).digest()));
}

/** The dataset's CIDs, computed from its bytes as every process can. */
export function datasetCids(blockCount: number): CID[] {
  return Array.from({ length: blockCount }, (_, i) => cidOf(blockBytes(i)));
}

export async function network(): Promise<CairnLibp2p> {
  return createNetwork({ logger: log }, { listen: ["/ip4/127.0.0.1/tcp/0"] });
}

export async function heliaNode() {
  const { createHeliaLight } = await import("helia");
  const { withLibp2pLight } = await import("@helia/libp2p");
  const { withBitswap } = await import("@helia/bitswap");
  const { tcp } = await import("@libp2p/tcp");
  const { noise } = await import("@libp2p/noise");
  const { yamux } = await import("@libp2p/yamux");
  const { identify } = await import("@libp2p/identify");
  // Only the transports given here: Helia's defaults would reach for the internet. Identify
  // is needed: bitswap learns from it which connected peers speak bitswap.
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ routers: [] }), {
      addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    }),
  );
  await helia.start();
  return helia;
}

/** The devnet a paid role talks to, passed from the parent as JSON (`--paid`). */
export interface PaidChain {
  rpcUrl: string;
  paymentChannels: Hex;
  chainId: number;
  /** The dev account this role signs with (dev-accounts.json). */
  role: string;
}

/** A public client, an account and a transaction sender for one role on the devnet. */
export function chainParty(chain: PaidChain) {
  const viemChain = defineChain({
    id: chain.chainId,
    name: "bench",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain: viemChain, transport: http(chain.rpcUrl), cacheTime: 0 });
  const account = privateKeyToAccount(devAccount(chain.role).privateKey as Hex);
  const transactions = testTransactionSender(account, viemChain, chain.rpcUrl, publicClient as never);
  return { publicClient, account, transactions };
}

/** A client's transfer request (one stdin line): the servers' addresses, and Helia's root. */
export interface TransferRequest {
  addrs: string[];
  root?: string;
}

/** One provider's share of an exchange download. */
export interface ProviderShare {
  peer: string;
  blocks: number;
  window: number;
  latencyMs?: number;
  /** Bytes per ms. */
  throughput?: number;
}

/** A client's answer (one stdout line): its timed part in wall and CPU seconds. */
export interface TransferResult {
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  providers?: ProviderShare[];
}

/** Resolves when stdin closes: the parent is done with this child. */
export function untilStdinCloses(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.resume();
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
  });
}
