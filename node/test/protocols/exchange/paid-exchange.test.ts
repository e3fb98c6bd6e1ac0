/**
 * The paid exchange end to end: real libp2p nodes on loopback, real SQLite, and a real
 * PaymentChannels on anvil. The client pays through a channel it opens itself; the provider
 * checks every voucher, stores it before crediting, cuts off a client that stops paying,
 * and cashes what it holds on-chain.
 */
import type { Stream } from "@libp2p/interface";
import type { CID } from "multiformats/cid";
import { bytesToHex, createTestClient, http, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { signVoucher } from "../../../src/core/voucher.ts";
import { decodeRegistryLogs, ProviderDirectory } from "../../../src/discovery/index.ts";
import { providerRegistryAbi } from "../../../src/generated/contracts.ts";
import {
  ChannelExchangePayer,
  type RecipientCheck,
  ReceivedVoucherTable,
  registryRecipientCheck,
} from "../../../src/payments/index.ts";
import {
  type ExchangePayer,
  encodeAmount,
  Message,
  type PayerAccount,
  PROTOCOL_NAME,
  type ProviderTerms,
  readMessages,
  type SignedVoucher,
  writeMessage,
} from "../../../src/protocols/exchange/index.ts";
import type { MetadataStore } from "../../../src/store/metadata/index.ts";
import { send, TEST_PEER_ID, testOffer } from "../../helpers/contracts.ts";
import { RecordedReputation } from "../../helpers/recorded-reputation.ts";
import { channelPayer, channelReader, providerAccounting, devnetPerFile } from "../../payments/fixture.ts";
import { addressOf, fill, type Peer, startPeer } from "./fixture.ts";

const peers: Peer[] = [];
const stores: MetadataStore[] = [];
let role = 0;
const world = devnetPerFile("cairn-paid-", async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  for (const s of stores.splice(0)) s.stop();
});

const PRICE = 1_000n;
const THRESHOLD = 16_000n;

async function paidPair(
  options: {
    stopPayingAfter?: number;
    settleThreshold?: bigint;
    paymentThreshold?: bigint;
    recipients?: RecipientCheck;
  } = {},
) {
  role = (role % 6) + 1;
  const reputation = new RecordedReputation();
  const provider = providerAccounting(
    world.devnet,
    world.dir,
    {
      pricePerBlock: PRICE,
      paymentThreshold: options.paymentThreshold ?? THRESHOLD,
      tolerancePercent: 25n,
      settleThreshold: options.settleThreshold ?? 30_000n,
    },
    reputation,
    `provider${role}`,
  );
  const client = await channelPayer(
    world.devnet,
    world.dir,
    { channelDeposit: 1_000_000n },
    role % 2 === 0 ? "client1" : "client2",
  );
  stores.push(provider.metadata, client.metadata);
  const realPayer = new ChannelExchangePayer(client.payer, { recipients: options.recipients });
  const payer =
    options.stopPayingAfter === undefined ? realPayer : new StopsPaying(realPayer, options.stopPayingAfter);
  const providerPeer = await startPeer(
    world.dir,
    "provider",
    { paymentTimeout: 1_000 },
    { cashier: provider.accounting, reputation },
  );
  const clientPeer = await startPeer(world.dir, "client", {}, { payer });
  peers.push(providerPeer, clientPeer);
  return {
    provider,
    client,
    realPayer,
    providerPeer,
    clientPeer,
    reputation,
    providerRole: `provider${role}`,
  };
}

/** A client that pays its first few vouchers and then keeps fetching without paying. */
class StopsPaying implements ExchangePayer {
  private readonly inner: ExchangePayer;
  private paid = 0;
  private readonly limit: number;
  constructor(inner: ExchangePayer, limit: number) {
    this.inner = inner;
    this.limit = limit;
  }
  openAccount(peer: string, terms: ProviderTerms): Promise<PayerAccount> {
    return this.inner.openAccount(peer, terms);
  }
  owe(peer: string, price: bigint): Promise<SignedVoucher> | undefined {
    return this.withhold(this.inner.owe(peer, price));
  }
  payOwed(peer: string): Promise<SignedVoucher> | undefined {
    return this.withhold(this.inner.payOwed(peer));
  }
  private withhold(due: Promise<SignedVoucher> | undefined): Promise<SignedVoucher> | undefined {
    if (due === undefined) return undefined;
    if (this.paid++ < this.limit) return due;
    due.catch(() => {});
    return undefined;
  }
}

function hex(bytes: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(bytes.slice(2), "hex"));
}

function paymentFrame(voucher: SignedVoucher): Partial<Message> {
  return {
    payment: {
      channelId: hex(voucher.channelId),
      cumulativeAmount: encodeAmount(voucher.cumulativeAmount),
      signature: hex(voucher.signature),
    },
  };
}

function wantBlock(cid: CID): Partial<Message> {
  return {
    wantlist: {
      full: false,
      entries: [
        {
          cid: cid.bytes as Uint8Array<ArrayBuffer>,
          priority: 1,
          cancel: false,
          wantType: Message.Wantlist.WantType.WantBlock,
          sendDontHave: true,
          maxPrice: new Uint8Array(0),
        },
      ],
    },
  };
}

/**
 * A client's raw exchange stream to the provider, as a lying or racing client would use
 * it: the provider's terms are read, then the account is declared.
 */
async function rawStream(from: Peer, to: Peer, account: PayerAccount) {
  const stream: Stream = await from.net.dialProtocol(addressOf(to), PROTOCOL_NAME);
  const messages = readMessages(stream, { messageTimeout: 5_000 });
  expect((await messages.next()).value?.terms).toBeDefined();
  await writeMessage(stream, {
    account: { address: hex(account.address), channelId: hex(account.channelId) },
  });
  return {
    stream,
    send: (message: Partial<Message>) => writeMessage(stream, message),
    /** The next message that carries blocks. */
    async nextBlocks(): Promise<Message.Block[]> {
      for (;;) {
        const next = await messages.next();
        if (next.done === true) throw new Error("the provider ended the stream");
        if (next.value.blocks.length > 0) return next.value.blocks;
      }
    },
    /** How the provider ended the stream: "closed" after ours, or "reset". */
    async end(): Promise<"closed" | "reset"> {
      try {
        for await (const _ of messages) {
          // anything still on its way
        }
        return "closed";
      } catch {
        return "reset";
      }
    },
  };
}

describe("paid exchange over loopback with a devnet", { timeout: 60_000 }, () => {
  it("pays with cumulative vouchers at half the threshold, stored before they count, and settles on-chain", async () => {
    const { provider, client, realPayer, providerPeer, clientPeer, reputation } = await paidPair();
    // The channel is open already, as after a first download: otherwise what arrives while
    // it opens is paid in one voucher, of a size set by the chain's pace (the test below
    // covers that case).
    await client.payer.channelFor(provider.accounting.recipient, THRESHOLD);
    const blocks = await fill([providerPeer.store], 64, 16 * 1024);
    const session = await clientPeer.exchange.session(addressOf(providerPeer));
    await session.getMany(blocks.map((b) => b.cid));
    const clientId = clientPeer.net.peerId.toString();
    // 64 blocks at 1000 wei; a voucher every 8000 wei (half of 16000).
    const channel = client.payer.table.openTo(client.payer.address, provider.accounting.recipient);
    await expect.poll(() => provider.accounting.ledger(clientId).credited).toBe(64_000n);
    expect(channel?.cumulativeSent).toBe(64_000n);
    expect(realPayer.owedTo(providerPeer.net.peerId.toString())).toBe(0n);
    expect(provider.accounting.ledger(clientId).debt).toBe(0n);
    await expect
      .poll(() => reputation.kinds(clientId, "paying").filter((k) => k === "voucher-valid").length)
      .toBe(8);
    await session.close();
    await provider.accounting.stop();
    expect(provider.sent.map((s) => s.functionName)).toContain("settle");
    const info = await channelReader(world.devnet).readChannel(channel?.channelId ?? "0x");
    expect(info.paid).toBeGreaterThanOrEqual(30_000n);
    expect(info.recipient).toBe(provider.accounting.recipient);
  });

  it("pays a provider only at the wallet the registry binds to its peer id", async () => {
    const directory = new ProviderDirectory();
    const { provider, client, providerPeer, clientPeer, providerRole } = await paidPair({
      recipients: registryRecipientCheck(directory),
    });
    const { devnet } = world;
    const registry = devnet.contracts.ProviderRegistry;
    const readRegistry = async () => {
      const logs = await devnet.publicClient.getLogs({
        address: registry.address,
        fromBlock: BigInt(registry.blockNumber),
      });
      for (const log of decodeRegistryLogs(logs)) directory.apply(log);
    };
    const writeRegistry = (functionName: string, args: unknown[], value?: bigint) =>
      send(devnet, devnet.account(providerRole), {
        address: registry.address,
        abi: providerRegistryAbi,
        functionName,
        args,
        ...(value === undefined ? {} : { value }),
      });
    const openChannel = () => client.payer.table.openTo(client.payer.address, provider.accounting.recipient);

    // The provider's wallet is registered, but with another peer id than the one serving.
    await writeRegistry(
      "register",
      [testOffer({ pricePerBytePerSecond: 1n, minDuration: 60n }), TEST_PEER_ID, []],
      parseEther("2"),
    );
    await readRegistry();
    const blocks = await fill([providerPeer.store], 8, 16 * 1024);
    const refused = await clientPeer.exchange.session(addressOf(providerPeer));
    await expect(refused.getMany(blocks.map((b) => b.cid))).rejects.toThrow(
      /asks to be paid at .*a registered provider whose peer id is/,
    );
    await refused.close();
    expect(openChannel()).toBeUndefined();

    // Once the wallet claims the serving peer's id, the same terms are paid.
    await writeRegistry("updateEndpoints", [bytesToHex(providerPeer.net.peerId.toMultihash().bytes), []]);
    await readRegistry();
    const session = await clientPeer.exchange.session(addressOf(providerPeer));
    await session.getMany(blocks.map((b) => b.cid));
    await session.close();
    await expect
      .poll(() => provider.accounting.ledger(clientPeer.net.peerId.toString()).credited)
      .toBe(8n * PRICE);
    expect(openChannel()?.cumulativeSent).toBe(8n * PRICE);
  });

  it("cuts off a client that stops paying at its threshold, and cashes what it holds", async () => {
    const { provider, providerPeer, clientPeer, reputation } = await paidPair({
      stopPayingAfter: 1,
      settleThreshold: 10n ** 18n,
    });
    const blocks = await fill([providerPeer.store], 64, 16 * 1024);
    const session = await clientPeer.exchange.session(addressOf(providerPeer));
    const results = await Promise.allSettled(blocks.map((b) => session.get(b.cid)));
    const clientId = clientPeer.net.peerId.toString();
    const served = providerPeer.exchange.served(clientId);
    const ledger = provider.accounting.ledger(clientId);
    // One voucher was paid (it covers the blocks received before it); past that, the
    // provider served exactly its credit limit, 16000 + 25% = 20000 wei, and stopped.
    expect(ledger.credited).toBeGreaterThanOrEqual(8_000n);
    expect(ledger.debt).toBe(20_000n);
    expect(BigInt(served?.blocksSent ?? 0) * PRICE).toBe(ledger.credited + 20_000n);
    expect(served?.blocksSent).toBeLessThan(64);
    // Blocks still being stored when the stream was cut fail with it.
    expect(results.filter((r) => r.status === "fulfilled").length).toBeLessThanOrEqual(
      served?.blocksSent ?? 0,
    );
    expect(results.at(-1)?.status).toBe("rejected");
    expect(reputation.kinds(clientId, "paying")).toContain("payment-late");
    await provider.accounting.stop();
    expect(provider.sent.map((s) => s.functionName)).toEqual(["settle"]);
  });

  it("pays for a first download that ended before its channel was open, and then serves the next in full", async () => {
    const { provider, client, realPayer, providerPeer, clientPeer, reputation } = await paidPair();
    const clientId = clientPeer.net.peerId.toString();
    const providerId = providerPeer.net.peerId.toString();
    const anvil = createTestClient({
      chain: world.devnet.chain,
      mode: "anvil",
      transport: http(world.devnet.rpcUrl),
    });
    // 16000 wei: within the provider's credit (20000), and more than its credit leaves room
    // for once half a threshold more is due (8000). A provider left waiting for a voucher
    // for these blocks would cut the next download off.
    const first = await fill([providerPeer.store], 16, 16 * 1024);
    // The open stays unmined until the download is over: the chain's pace, made certain.
    await anvil.setAutomine(false);
    try {
      const session = await clientPeer.exchange.session(addressOf(providerPeer));
      await session.getMany(first.map((b) => b.cid));
      await session.close();
      expect(client.payer.table.openTo(client.payer.address, provider.accounting.recipient)).toBeUndefined();
      expect(provider.accounting.ledger(clientId).debt).toBe(16_000n);
      expect(realPayer.owedTo(providerId)).toBe(16_000n);
      await expect.poll(async () => (await anvil.getTxpoolStatus()).pending).toBe(1);
      await anvil.mine({ blocks: 1 });
    } finally {
      await anvil.setAutomine(true);
    }
    // Once the channel is open the voucher goes out, though no session is left to carry it.
    await expect.poll(() => provider.accounting.ledger(clientId).credited).toBe(16_000n);
    const channel = client.payer.table.openTo(client.payer.address, provider.accounting.recipient);
    expect(new ReceivedVoucherTable(provider.metadata).get(channel?.channelId ?? "0x")).toMatchObject({
      cumulativeAmount: 16_000n,
    });
    expect(provider.accounting.ledger(clientId).debt).toBe(0n);
    expect(realPayer.owedTo(providerId)).toBe(0n);

    const second = await fill([providerPeer.store], 48, 16 * 1024);
    const again = await clientPeer.exchange.session(addressOf(providerPeer));
    await again.getMany(second.map((b) => b.cid));
    await again.close();
    await expect.poll(() => provider.accounting.ledger(clientId).credited).toBe(64_000n);
    expect(provider.accounting.ledger(clientId).debt).toBe(0n);
    expect(reputation.kinds(clientId, "paying")).not.toContain("payment-late");
  });

  it("counts the blocks a session receives after it closed, as the provider charged them", async () => {
    // A credit far above what is fetched: the provider never waits for a voucher here.
    const { provider, client, realPayer, providerPeer, clientPeer } = await paidPair({
      paymentThreshold: 10n ** 9n,
    });
    await client.payer.channelFor(provider.accounting.recipient, THRESHOLD);
    // 4 MiB in frames of 512 KiB: most of it arrives after the close.
    const blocks = await fill([providerPeer.store], 64, 64 * 1024);
    const session = await clientPeer.exchange.session(addressOf(providerPeer), { window: 64 });
    const gets = blocks.map((b) => session.get(b.cid).catch(() => undefined));
    await gets[0];
    // Closed with wants still out: the provider serves the ones it has queued, and charges
    // them. A client that stopped counting them would owe more than it knows, and the
    // provider would wait on its next session for a voucher that never comes.
    await session.close();
    const clientId = clientPeer.net.peerId.toString();
    const providerId = providerPeer.net.peerId.toString();
    const charged = provider.accounting.ledger(clientId).charged;
    expect(charged).toBeGreaterThan(PRICE);
    const counted = () =>
      (client.payer.table.openTo(client.payer.address, provider.accounting.recipient)?.cumulativeSent ?? 0n) +
      realPayer.owedTo(providerId);
    await expect.poll(counted).toBe(charged);
  });

  it("ignores a voucher not above the one it holds, as from two racing streams, and goes on serving", async () => {
    const { provider, client, providerPeer, clientPeer, reputation } = await paidPair();
    const [block] = await fill([providerPeer.store], 1, 1024);
    const account = await new ChannelExchangePayer(client.payer).openAccount(
      "p",
      provider.accounting.terms(),
    );
    const first = await client.payer.pay(provider.accounting.recipient, 5_000n);
    const second = await client.payer.pay(provider.accounting.recipient, 5_000n);
    const third = await client.payer.pay(provider.accounting.recipient, 5_000n);
    const raw = await rawStream(clientPeer, providerPeer, account);
    await raw.send(paymentFrame(second));
    await raw.send(paymentFrame(first)); // overtaken by `second`
    await raw.send(paymentFrame(second)); // the same again
    await raw.send(paymentFrame(third));
    const clientId = clientPeer.net.peerId.toString();
    // Checked in order: once `third` counts, the two before it were taken and let pass.
    await expect.poll(() => provider.accounting.ledger(clientId).credited).toBe(15_000n);
    await raw.send(block === undefined ? {} : wantBlock(block.cid));
    expect(await raw.nextBlocks()).toHaveLength(1);
    await raw.stream.close();
    expect(await raw.end()).toBe("closed");
    expect(reputation.kinds(clientId, "paying")).toEqual(["voucher-valid", "voucher-valid"]);
    expect(new ReceivedVoucherTable(provider.metadata).get(account.channelId)?.cumulativeAmount).toBe(
      15_000n,
    );
  });

  it("still ends the stream for a voucher with a bad signature, even one for an amount it already holds", async () => {
    const { provider, client, providerPeer, clientPeer, reputation } = await paidPair();
    const account = await new ChannelExchangePayer(client.payer).openAccount(
      "p",
      provider.accounting.terms(),
    );
    const context = {
      chainId: world.devnet.chain.id,
      verifyingContract: world.devnet.contracts.PaymentChannels.address,
    };
    const forger = privateKeyToAccount(generatePrivateKey());
    const forged = async (cumulativeAmount: bigint): Promise<SignedVoucher> => ({
      channelId: account.channelId,
      cumulativeAmount,
      signature: await signVoucher(forger, context, { channelId: account.channelId, cumulativeAmount }),
    });
    const clientId = clientPeer.net.peerId.toString();

    const above = await rawStream(clientPeer, providerPeer, account);
    await above.send(paymentFrame(await forged(50_000n)));
    expect(await above.end()).toBe("reset");
    expect(provider.accounting.ledger(clientId).credited).toBe(0n);

    const real = await client.payer.pay(provider.accounting.recipient, 5_000n);
    const paid = await rawStream(clientPeer, providerPeer, account);
    await paid.send(paymentFrame(real));
    await expect.poll(() => provider.accounting.ledger(clientId).credited).toBe(5_000n);
    // A forged voucher is refused as forged, not let pass as stale, whatever its amount.
    await paid.send(paymentFrame(await forged(4_000n)));
    expect(await paid.end()).toBe("reset");
    expect(provider.accounting.ledger(clientId).credited).toBe(5_000n);
    expect(reputation.kinds(clientId, "paying")).toEqual([
      "voucher-invalid",
      "voucher-valid",
      "voucher-invalid",
    ]);
  });
});
