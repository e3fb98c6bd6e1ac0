/**
 * Benchmark of the block exchange (`npm run bench:exchange`). Prints one JSON object as its
 * last line. Every figure is measured in this run, between separate processes on loopback,
 * over the same transports (TCP, Noise, Yamux), as the median of `--rounds` transfers of
 * `--mib` MiB each (benchmarks.md). Each round runs every transfer once, back to back, and
 * the ratios are the medians of each round's own ratios.
 *
 *   node --expose-gc node/bench/exchange.ts [--rounds 3] [--mib 256] [--only key,key] [--verbose]
 *
 * - bareLibp2pMiBps: one raw libp2p stream, the provider writing 256 KiB chunks;
 * - heliaMiBps: Helia 7 bitswap, `unixfs.cat` of the same bytes added to a Helia provider;
 * - unpaidMiBps: the exchange, a WantManager download of the dataset's 256 KiB blocks from
 *   one provider that charges nothing;
 * - paidMiBps: the same from a provider that charges per block, with a real channel on anvil:
 *   the client opens it (before timing), sends a voucher every half threshold (32 MiB), the
 *   provider checks each one (signature, chain state) and stores it in SQLite before
 *   counting it, and settles on-chain every 128 MiB;
 * - multiSourceSpeedup: four providers, each limited to the same rate, against one of them.
 *   The rate is a sixth of the unpaid figure, so four of them stay under what one client can
 *   take and the ratio measures the download's spreading, not the CPU.
 *
 * Clients keep blocks in memory, as Helia's client does by default, so the figures compare
 * protocols rather than this machine's fsync. Providers serve from the durable FsBlockstore.
 *
 * `--verbose` also prints, for every transfer, the CPU seconds of the client (this process)
 * and of each serving process, and each provider's share of a download.
 *
 * Roles: the same file runs as a child process with `--role` (raw-server, provider,
 * helia-provider); a child prints one JSON line when ready and exits when stdin closes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { multiaddr } from "@multiformats/multiaddr";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createPublicClient, defineChain, http } from "viem";
import { LogManager } from "../src/logging/index.ts";
import { type CairnLibp2p, createNetwork } from "../src/network/index.ts";
import {
  ChannelExchangePayer,
  contractChannelReader,
  createChannelPayer,
  createProviderAccounting,
  withPaymentsMigrations,
} from "../src/payments/index.ts";
import { createExchange, type ExchangeBlockstore } from "../src/protocols/exchange/index.ts";
import { createBlockstore } from "../src/store/blocks/index.ts";
import { createMetadataStore, MIGRATIONS } from "../src/store/metadata/index.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { testTransactionSender } from "../test/helpers/test-sender.ts";
import { cpuSeconds } from "./cpu-seconds.ts";

const MiB = 1024 * 1024;
const BLOCK = 256 * 1024;
const RAW_PROTOCOL = "/cairn/bench/raw/1.0.0";
const RAW = 0x55;
const SHA2_256 = 0x12;
const log = new LogManager({ level: "silent" }).logger("bench");

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    rounds: { type: "string", default: "3" },
    mib: { type: "string", default: "256" },
    store: { type: "string" },
    paid: { type: "string" },
    rate: { type: "string" },
    only: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const mib = Number(values.mib);
const blockCount = Math.ceil((mib * MiB) / BLOCK);

/** Deterministic bytes for block `i`: AES-CTR keystream, fast and identical in every process. */
function blockBytes(i: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(i, 12);
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), iv);
  return new Uint8Array(cipher.update(Buffer.alloc(BLOCK)));
}

function cidOf(bytes: Uint8Array): CID {
  return CID.createV1(RAW, createDigest(SHA2_256, createHash("sha256").update(bytes).digest()));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Resolves when stdin closes: the parent is done with this child. */
function untilStdinCloses(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.resume();
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
  });
}

async function network(): Promise<CairnLibp2p> {
  const net = await createNetwork({ logger: log }, { listen: ["/ip4/127.0.0.1/tcp/0"] });
  return net;
}

// ---------------------------------------------------------------- child roles

async function rawServer(): Promise<void> {
  const net = await network();
  const chunk = blockBytes(0);
  await net.handle(
    RAW_PROTOCOL,
    async (stream) => {
      for (let sent = 0; sent < mib * MiB; sent += chunk.byteLength) {
        if (!stream.send(chunk)) await stream.onDrain();
      }
      await stream.close();
    },
    { maxInboundStreams: 4 },
  );
  await net.start();
  console.log(JSON.stringify({ addr: net.getMultiaddrs()[0]?.toString() }));
  await untilStdinCloses();
  await net.stop();
}

async function provider(): Promise<void> {
  const store = createBlockstore({ logger: log }, { root: values.store as string, lock: false });
  await store.start();
  const net = await network();
  let cashier: ReturnType<typeof createProviderAccounting> | undefined;
  let metaDir: string | undefined;
  if (values.paid !== undefined) {
    const chain = JSON.parse(values.paid) as {
      rpcUrl: string;
      paymentChannels: Hex;
      chainId: number;
      role: string;
    };
    metaDir = mkdtempSync(join(tmpdir(), "cairn-bench-provider-"));
    const metadata = createMetadataStore(
      { logger: log },
      {
        path: join(metaDir, "metadata.sqlite"),
        migrations: withPaymentsMigrations(MIGRATIONS),
      },
    );
    metadata.start();
    const viemChain = defineChain({
      id: chain.chainId,
      name: "bench",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.rpcUrl] } },
    });
    const publicClient = createPublicClient({
      chain: viemChain,
      transport: http(chain.rpcUrl),
      cacheTime: 0,
    });
    const account = privateKeyToAccount(devAccount(chain.role).privateKey as Hex);
    cashier = createProviderAccounting(
      {
        metadata,
        channels: contractChannelReader(publicClient, chain.paymentChannels),
        transactions: testTransactionSender(account, viemChain, chain.rpcUrl, publicClient as never),
        logger: log,
      },
      {
        chainId: chain.chainId,
        paymentChannels: chain.paymentChannels,
        pricePerBlock: PRICE_PER_BLOCK,
        paymentThreshold: PAYMENT_THRESHOLD,
        settleThreshold: SETTLE_THRESHOLD,
        closeWatchInterval: 0,
      },
    );
    cashier.start();
  }
  const exchange = createExchange(
    { network: net, blockstore: store, logger: log, cashier },
    { maxBytesPerSecond: values.rate === undefined ? undefined : Number(values.rate) },
  );
  await exchange.start();
  await net.start();
  console.log(JSON.stringify({ addr: net.getMultiaddrs()[0]?.toString() }));
  await untilStdinCloses();
  await exchange.stop();
  await cashier?.stop();
  await net.stop();
  await store.stop();
  if (metaDir !== undefined) rmSync(metaDir, { recursive: true, force: true });
}

async function heliaNode() {
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

async function heliaProvider(): Promise<void> {
  const helia = await heliaNode();
  const { unixfs } = await import("@helia/unixfs");
  const fs = unixfs(helia);
  const root = await fs.addBytes(concatBlocks(), { rawLeaves: true });
  console.log(JSON.stringify({ addr: helia.libp2p.getMultiaddrs()[0]?.toString(), root: root.toString() }));
  await untilStdinCloses();
  await helia.stop();
}

function concatBlocks(): Uint8Array {
  const all = new Uint8Array(blockCount * BLOCK);
  for (let i = 0; i < blockCount; i++) all.set(blockBytes(i), i * BLOCK);
  return all;
}

// ---------------------------------------------------------------- payments setup

/**
 * 1 gwei a block; a voucher every 128 blocks (32 MiB); cashed on-chain every 512 blocks.
 * The threshold must cover what a client keeps in flight: the provider counts a block as
 * owed when it sends it, the client when it receives it, so with a 64-block window a
 * threshold below about 2 x 64 blocks makes the provider wait for every voucher.
 */
const PRICE_PER_BLOCK = 10n ** 9n;
const PAYMENT_THRESHOLD = 256n * PRICE_PER_BLOCK;
const SETTLE_THRESHOLD = 512n * PRICE_PER_BLOCK;

// ---------------------------------------------------------------- parent

interface Child {
  process: ChildProcess;
  ready: Record<string, string>;
}

const children: Child[] = [];
const self = fileURLToPath(import.meta.url);

async function child(args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [self, ...args, "--mib", String(mib)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`child ${args.join(" ")} exited with ${code}`)));
  });
  const c = { process: proc, ready: JSON.parse(line) as Record<string, string> };
  children.push(c);
  return c;
}

function pidsOf(servers: Child[]): number[] {
  return servers.map((c) => c.process.pid as number);
}

async function stopChild(c: Child): Promise<void> {
  const exited = new Promise((resolve) => c.process.once("exit", resolve));
  c.process.stdin?.end();
  await exited;
}

/**
 * One transfer's MiB/s. With --verbose it also prints the CPU seconds that this process
 * (the client) and the serving processes spent on it: the machine has two cores, so a
 * transfer is as fast as the CPU both sides need per byte allows.
 */
async function timed(run: () => Promise<number>, servers: number[] = []): Promise<number> {
  const cpuBefore = [process.pid, ...servers].map((pid) => cpuSeconds(pid));
  const started = performance.now();
  const bytes = await run();
  const seconds = (performance.now() - started) / 1000;
  if (values.verbose) {
    const [client, ...serving] = [process.pid, ...servers].map(
      (pid, i) => cpuSeconds(pid) - (cpuBefore[i] as number),
    );
    const onServers = serving.map((used) => used.toFixed(2)).join(" + ");
    console.error(
      `  ${(bytes / MiB).toFixed(0)} MiB in ${seconds.toFixed(2)} s; CPU seconds: ` +
        `client ${client?.toFixed(2)}, servers ${onServers || "-"}`,
    );
  }
  return bytes / MiB / seconds;
}

async function measureRaw(server: Child): Promise<number> {
  const net = await network();
  await net.start();
  try {
    return await timed(
      async () => {
        const stream = await net.dialProtocol(multiaddr(server.ready.addr as string), RAW_PROTOCOL);
        let bytes = 0;
        for await (const chunk of stream) bytes += chunk.byteLength;
        return bytes;
      },
      pidsOf([server]),
    );
  } finally {
    await net.stop();
  }
}

async function measureHelia(server: Child): Promise<number> {
  const helia = await heliaNode();
  const { unixfs } = await import("@helia/unixfs");
  try {
    await helia.libp2p.dial(multiaddr(server.ready.addr as string));
    return await timed(
      async () => {
        let bytes = 0;
        // A string, not our CID: Helia checks CIDs against its own copy of multiformats.
        for await (const chunk of unixfs(helia).cat(server.ready.root as never)) bytes += chunk.byteLength;
        return bytes;
      },
      pidsOf([server]),
    );
  } finally {
    await helia.stop();
  }
}

/** Blocks kept in memory: the client side of Helia's default, so protocols are compared. */
function memoryStore(): ExchangeBlockstore {
  const blocks = new Map<string, Uint8Array>();
  return {
    has: async (cid) => blocks.has(cid.toString()),
    getBytes: async (cid) => {
      const bytes = blocks.get(cid.toString());
      if (bytes === undefined) throw new Error(`absent: ${cid}`);
      return bytes;
    },
    put: async (cid, bytes) => {
      blocks.set(cid.toString(), bytes);
      return cid;
    },
  };
}

/** A full collection (node runs with --expose-gc), then a pause for the sweeper threads. */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the bench with node --expose-gc (npm run bench:exchange does)");
  gc();
  await new Promise((resolve) => setTimeout(resolve, 250));
  gc();
}

async function measureExchange(servers: Child[], cids: CID[], payer?: ChannelExchangePayer): Promise<number> {
  const addrs = servers.map((c) => c.ready.addr as string);
  const net = await network();
  const exchange = createExchange({ network: net, blockstore: memoryStore(), logger: log, payer });
  await exchange.start();
  await net.start();
  try {
    // Connect first (and complete identify), so the timed part is the transfer.
    await Promise.all(addrs.map((a) => net.dial(multiaddr(a))));
    return await timed(async () => {
      const download = exchange.download(
        addrs.map((a) => multiaddr(a)),
        { initialWindow: 16 },
      );
      let bytes = 0;
      for await (const { bytes: b } of download.fetch(cids)) bytes += b.byteLength;
      if (values.verbose) {
        for (const p of download.providers) {
          console.error(
            `  ${p.peer.slice(-6)}: ${p.blocks} blocks, window ${p.window}, ` +
              `latency ${p.latencyMs?.toFixed(0)} ms, ${(((p.throughput ?? 0) * 1000) / MiB).toFixed(1)} MiB/s`,
          );
        }
      }
      await download.close();
      return bytes;
    }, pidsOf(servers));
  } finally {
    await exchange.stop();
    await net.stop();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "cairn-bench-exchange-"));
  const figures: Record<string, number[]> = {};
  const record = (key: string, value: number): void => {
    const list = figures[key] ?? [];
    list.push(value);
    figures[key] = list;
    console.error(`${key}: ${value.toFixed(1)} MiB/s`);
  };
  /** Ratios of each round's own figures; their medians are the reported ratios. */
  const ratios: Record<"ratioVsLibp2p" | "ratioVsHelia" | "paymentOverhead", number[]> = {
    ratioVsLibp2p: [],
    ratioVsHelia: [],
    paymentOverhead: [],
  };
  const only = values.only?.split(",");
  const want = (key: string): boolean => only === undefined || only.includes(key);
  let devnet:
    | Awaited<ReturnType<typeof import("../test/helpers/devnet.ts").startAutominingDevnet>>
    | undefined;
  try {
    // The dataset, written once into a durable store that every provider process opens.
    const storeRoot = join(work, "blocks");
    const store = createBlockstore({ logger: log }, { root: storeRoot, lock: false });
    await store.start();
    const cids: CID[] = [];
    for (let i = 0; i < blockCount; i += 16) {
      const batch = [];
      for (let j = i; j < Math.min(blockCount, i + 16); j++) {
        const bytes = blockBytes(j);
        const cid = cidOf(bytes);
        cids.push(cid);
        batch.push(store.put(cid, bytes));
      }
      await Promise.all(batch);
    }
    await store.stop();
    console.error(`dataset: ${blockCount} blocks of 256 KiB in ${storeRoot}`);

    // Every provider is started first, then each round measures them one after the other,
    // so each round's ratios compare transfers seconds apart. On a shared machine the load
    // changes by the minute; phases of three rounds each would compare different loads.
    const raw = want("bareLibp2pMiBps") ? await child(["--role", "raw-server"]) : undefined;
    const heliaProvider = want("heliaMiBps") ? await child(["--role", "helia-provider"]) : undefined;
    const unpaid =
      want("unpaidMiBps") || want("multiSourceSpeedup") || want("paidMiBps")
        ? await child(["--role", "provider", "--store", storeRoot])
        : undefined;
    let paid: { child: Child; payer: ChannelExchangePayer; done(): void } | undefined;
    if (want("paidMiBps")) {
      const { startAutominingDevnet } = await import("../test/helpers/devnet.ts");
      devnet = await startAutominingDevnet();
      const chain = {
        rpcUrl: devnet.rpcUrl,
        paymentChannels: devnet.contracts.PaymentChannels.address,
        chainId: devnet.chain.id,
        role: "provider1",
      };
      const paidChild = await child([
        "--role",
        "provider",
        "--store",
        storeRoot,
        "--paid",
        JSON.stringify(chain),
      ]);
      const metadata = createMetadataStore(
        { logger: log },
        {
          path: join(work, "client.sqlite"),
          migrations: withPaymentsMigrations(MIGRATIONS),
        },
      );
      metadata.start();
      const account = devnet.account("client1");
      const channelPayer = createChannelPayer(
        {
          metadata,
          channels: contractChannelReader(devnet.publicClient as never, chain.paymentChannels),
          transactions: testTransactionSender(
            account,
            devnet.chain,
            devnet.rpcUrl,
            devnet.publicClient as never,
          ),
          signer: account,
          logger: log,
        },
        {
          chainId: chain.chainId,
          paymentChannels: chain.paymentChannels,
          budget: 10n ** 18n,
          // Enough for every round, so the timed part pays vouchers, not deposits.
          channelDeposit: BigInt(rounds + 1) * BigInt(blockCount) * PRICE_PER_BLOCK,
        },
      );
      await channelPayer.start();
      // Open the channel before timing: a one-off on-chain step, not part of the transfer.
      await channelPayer.channelFor(
        privateKeyToAccount(devAccount("provider1").privateKey as Hex).address,
        PAYMENT_THRESHOLD,
      );
      paid = {
        child: paidChild,
        payer: new ChannelExchangePayer(channelPayer),
        done: () => {
          const channel = channelPayer.table.live()[0];
          console.error(
            `paid: channel ${channel?.channelId} cumulative ${channel?.cumulativeSent} wei signed`,
          );
          metadata.stop();
        },
      };
    }
    for (let r = 0; r < rounds; r++) {
      const round: Record<string, number> = {};
      const transfers: Array<[string, () => Promise<number>]> = [];
      if (raw !== undefined) transfers.push(["bare", () => measureRaw(raw)]);
      if (heliaProvider !== undefined) transfers.push(["helia", () => measureHelia(heliaProvider)]);
      if (unpaid !== undefined) transfers.push(["unpaid", () => measureExchange([unpaid], cids)]);
      if (paid !== undefined) {
        const { child: paidChild, payer } = paid;
        transfers.push(["paid", () => measureExchange([paidChild], cids, payer)]);
      }
      // One untimed pass first, so no figure carries the JIT's and the connections' warm-up.
      if (r === 0) for (const [, transfer] of transfers) await transfer();
      // Each round starts at another transfer, and each starts on a collected heap: the
      // in-process transfers (Helia's above all) leave garbage that the next one would
      // otherwise pay for. A rotation alone does not help, as the same one still follows.
      for (let i = 0; i < transfers.length; i++) {
        const [key, transfer] = transfers[(i + r) % transfers.length] as [string, () => Promise<number>];
        await collectGarbage();
        if (values.verbose) console.error(`${key}, round ${r + 1}:`);
        round[key] = await transfer();
      }
      if (round.bare !== undefined) record("bareLibp2pMiBps", round.bare);
      if (round.helia !== undefined) record("heliaMiBps", round.helia);
      if (round.unpaid !== undefined) record("unpaidMiBps", round.unpaid);
      if (round.paid !== undefined) {
        record("paidMiBps", round.paid);
        if (round.bare !== undefined) ratios.ratioVsLibp2p.push(round.paid / round.bare);
        if (round.helia !== undefined) ratios.ratioVsHelia.push(round.paid / round.helia);
        if (round.unpaid !== undefined) ratios.paymentOverhead.push(1 - round.paid / round.unpaid);
      }
    }
    paid?.done();
    for (const c of [raw, heliaProvider, unpaid, paid?.child]) if (c !== undefined) await stopChild(c);
    if (want("multiSourceSpeedup")) {
      const rate = Math.floor((median(figures.unpaidMiBps ?? [60]) / 6) * MiB);
      const limited = await Promise.all(
        [0, 1, 2, 3].map(() => child(["--role", "provider", "--store", storeRoot, "--rate", String(rate)])),
      );
      console.error(`multi-source: each provider limited to ${(rate / MiB).toFixed(1)} MiB/s`);
      for (let r = 0; r < rounds; r++) {
        const one = await measureExchange(limited.slice(0, 1), cids);
        const four = await measureExchange(limited, cids);
        console.error(`multi-source: one ${one.toFixed(1)} MiB/s, four ${four.toFixed(1)} MiB/s`);
        record("multiSourceSpeedup", four / one);
      }
      await Promise.all(limited.map(stopChild));
    }
  } finally {
    for (const c of children) if (c.process.exitCode === null) c.process.kill();
    await devnet?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const m = (key: string): number | undefined =>
    figures[key] === undefined ? undefined : median(figures[key]);
  const bare = m("bareLibp2pMiBps");
  const helia = m("heliaMiBps");
  const unpaid = m("unpaidMiBps");
  const paid = m("paidMiBps");
  const speedup = m("multiSourceSpeedup");
  const result: Record<string, unknown> = {
    bareLibp2pMiBps: bare === undefined ? undefined : round2(bare),
    heliaMiBps: helia === undefined ? undefined : round2(helia),
    unpaidMiBps: unpaid === undefined ? undefined : round2(unpaid),
    paidMiBps: paid === undefined ? undefined : round2(paid),
    ratioVsLibp2p: ratios.ratioVsLibp2p.length > 0 ? round2(median(ratios.ratioVsLibp2p)) : undefined,
    ratioVsHelia: ratios.ratioVsHelia.length > 0 ? round2(median(ratios.ratioVsHelia)) : undefined,
    paymentOverhead: ratios.paymentOverhead.length > 0 ? round2(median(ratios.paymentOverhead)) : undefined,
    multiSourceSpeedup: speedup === undefined ? undefined : round2(speedup),
    rounds,
    mib,
    rounds_MiBps: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v.map(round2)])),
    rounds_ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v.map(round2)])),
  };
  result.pass =
    (result.ratioVsLibp2p as number) >= 0.7 &&
    (result.ratioVsHelia as number) >= 3 &&
    (result.paymentOverhead as number) <= 0.1 &&
    (result.multiSourceSpeedup as number) >= 3.2;
  console.log(JSON.stringify(result));
}

switch (values.role) {
  case "raw-server":
    await rawServer();
    break;
  case "provider":
    await provider();
    break;
  case "helia-provider":
    await heliaProvider();
    break;
  default:
    await main();
}
