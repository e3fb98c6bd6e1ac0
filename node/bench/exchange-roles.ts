/**
 * The child processes of the exchange benchmark (bench/exchange.ts starts them). Each one
 * prints one JSON line when it is ready and exits when its stdin closes.
 *
 * Servers: `raw-server` (one raw libp2p stream of 256 KiB chunks), `helia-provider` (the
 * dataset added to Helia), `provider` (the exchange over the durable store, optionally paid
 * and rate-limited).
 *
 * Clients: `client --kind bare|helia|exchange [--paid <chain>]`. A client takes one transfer
 * request per stdin line (JSON: the servers' addresses, and Helia's root) and answers one
 * JSON line: bytes, seconds, the CPU seconds it used (all its threads), and for the exchange
 * each provider's share. Each kind of transfer has a client process of its own, so no
 * transfer runs on a heap, or in code optimized, by a transfer of another kind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { multiaddr } from "@multiformats/multiaddr";
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
import {
  BLOCK,
  blockBytes,
  blockCountOf,
  chainParty,
  datasetCids,
  heliaNode,
  log,
  MiB,
  network,
  PAYMENT_THRESHOLD,
  type PaidChain,
  PRICE_PER_BLOCK,
  RAW_PROTOCOL,
  SETTLE_THRESHOLD,
  type TransferRequest,
  type TransferResult,
  untilStdinCloses,
} from "./exchange-common.ts";

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    kind: { type: "string" },
    mib: { type: "string", default: "256" },
    rounds: { type: "string", default: "3" },
    store: { type: "string" },
    paid: { type: "string" },
    rate: { type: "string" },
  },
});
const mib = Number(values.mib);
const blockCount = blockCountOf(mib);
const paidChain = values.paid === undefined ? undefined : (JSON.parse(values.paid) as PaidChain);

function ready(details: Record<string, string> = {}): void {
  console.log(JSON.stringify({ ready: true, ...details }));
}

/** A paid role's SQLite database (the payments tables), in a folder removed on close. */
function paymentsDatabase() {
  const folder = mkdtempSync(join(tmpdir(), "cairn-bench-exchange-role-"));
  const metadata = createMetadataStore(
    { logger: log },
    { path: join(folder, "metadata.sqlite"), migrations: withPaymentsMigrations(MIGRATIONS) },
  );
  metadata.start();
  return {
    metadata,
    close() {
      metadata.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- servers

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
  ready({ addr: net.getMultiaddrs()[0]?.toString() as string });
  await untilStdinCloses();
  await net.stop();
}

async function provider(): Promise<void> {
  const store = createBlockstore({ logger: log }, { root: values.store as string, lock: false });
  await store.start();
  const net = await network();
  let cashier: ReturnType<typeof createProviderAccounting> | undefined;
  const database = paidChain === undefined ? undefined : paymentsDatabase();
  if (paidChain !== undefined && database !== undefined) {
    const { metadata } = database;
    const { publicClient, transactions } = chainParty(paidChain);
    cashier = createProviderAccounting(
      {
        metadata,
        channels: contractChannelReader(publicClient as never, paidChain.paymentChannels),
        transactions,
        logger: log,
      },
      {
        chainId: paidChain.chainId,
        paymentChannels: paidChain.paymentChannels,
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
  ready({ addr: net.getMultiaddrs()[0]?.toString() as string });
  await untilStdinCloses();
  await exchange.stop();
  await cashier?.stop();
  await net.stop();
  await store.stop();
  database?.close();
}

async function heliaProvider(): Promise<void> {
  const helia = await heliaNode();
  const { unixfs } = await import("@helia/unixfs");
  const all = new Uint8Array(blockCount * BLOCK);
  for (let i = 0; i < blockCount; i++) all.set(blockBytes(i), i * BLOCK);
  const root = await unixfs(helia).addBytes(all, { rawLeaves: true });
  ready({ addr: helia.libp2p.getMultiaddrs()[0]?.toString() as string, root: root.toString() });
  await untilStdinCloses();
  await helia.stop();
}

// ---------------------------------------------------------------- clients

/** Times `run` alone, in wall and CPU seconds; the set-up before it is not counted. */
async function timed(run: () => Promise<Omit<TransferResult, "seconds" | "cpuSeconds">>) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return {
    ...result,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

/** One raw libp2p stream, on a connection made before timing. */
async function bareTransfer({ addrs }: TransferRequest): Promise<TransferResult> {
  const net = await network();
  await net.start();
  try {
    const addr = multiaddr(addrs[0] as string);
    await net.dial(addr);
    return await timed(async () => {
      const stream = await net.dialProtocol(addr, RAW_PROTOCOL);
      let bytes = 0;
      for await (const chunk of stream) bytes += chunk.byteLength;
      return { bytes };
    });
  } finally {
    await net.stop();
  }
}

/** Helia 7 bitswap, `unixfs.cat`, from a fresh Helia (its blockstore is in memory). */
async function heliaTransfer({ addrs, root }: TransferRequest): Promise<TransferResult> {
  const helia = await heliaNode();
  const { unixfs } = await import("@helia/unixfs");
  try {
    await helia.libp2p.dial(multiaddr(addrs[0] as string));
    return await timed(async () => {
      let bytes = 0;
      // A string, not our CID: Helia checks CIDs against its own copy of multiformats.
      for await (const chunk of unixfs(helia).cat(root as never)) bytes += chunk.byteLength;
      return { bytes };
    });
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

/** The paying side: a channel to provider1 opened before any timing, and its payer. */
async function openPayer(chain: PaidChain) {
  const database = paymentsDatabase();
  const { metadata } = database;
  const { publicClient, account, transactions } = chainParty(chain);
  const channelPayer = createChannelPayer(
    {
      metadata,
      channels: contractChannelReader(publicClient as never, chain.paymentChannels),
      transactions,
      signer: account,
      logger: log,
    },
    {
      chainId: chain.chainId,
      paymentChannels: chain.paymentChannels,
      budget: 10n ** 18n,
      // Enough for every transfer, so the timed part pays vouchers, not deposits.
      channelDeposit: BigInt(Number(values.rounds) + 1) * BigInt(blockCount) * PRICE_PER_BLOCK,
    },
  );
  await channelPayer.start();
  await channelPayer.channelFor(devAccount("provider1").address, PAYMENT_THRESHOLD);
  return {
    payer: new ChannelExchangePayer(channelPayer),
    close() {
      const channel = channelPayer.table.live()[0];
      console.error(`paid: channel ${channel?.channelId} cumulative ${channel?.cumulativeSent} wei signed`);
      database.close();
    },
  };
}

/** The dataset's blocks over the exchange, from every address given (multi-source). */
function exchangeTransfer(payer?: ChannelExchangePayer) {
  const cids = datasetCids(blockCount);
  return async ({ addrs }: TransferRequest): Promise<TransferResult> => {
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
        const providers = download.providers.map((p) => ({
          peer: p.peer,
          blocks: p.blocks,
          window: p.window,
          latencyMs: p.latencyMs,
          throughput: p.throughput,
        }));
        await download.close();
        return { bytes, providers };
      });
    } finally {
      await exchange.stop();
      await net.stop();
    }
  };
}

async function client(): Promise<void> {
  let transfer: (request: TransferRequest) => Promise<TransferResult>;
  let close = () => {};
  if (values.kind === "bare") transfer = bareTransfer;
  else if (values.kind === "helia") transfer = heliaTransfer;
  else if (values.kind === "exchange") {
    const paying = paidChain === undefined ? undefined : await openPayer(paidChain);
    transfer = exchangeTransfer(paying?.payer);
    if (paying !== undefined) close = paying.close;
  } else throw new Error(`--kind must be bare, helia or exchange, got ${values.kind}`);
  ready();
  for await (const line of createInterface({ input: process.stdin })) {
    console.log(JSON.stringify(await transfer(JSON.parse(line) as TransferRequest)));
  }
  close();
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
  case "client":
    await client();
    break;
  default:
    throw new Error(`--role must be raw-server, provider, helia-provider or client, got ${values.role}`);
}
