/**
 * The paid exchange end to end: real libp2p nodes on loopback, real SQLite, and a real
 * PaymentChannels on anvil. The client pays through a channel it opens itself; the provider
 * checks every voucher, stores it before crediting, cuts off a client that stops paying,
 * and cashes what it holds on-chain.
 */
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { signVoucher } from "../../../src/core/voucher.ts";
import { ChannelExchangePayer } from "../../../src/payments/index.ts";
import {
  type ExchangePayer,
  type PayerAccount,
  PROTOCOL_NAME,
  type ProviderTerms,
  readMessages,
  type SignedVoucher,
  writeMessage,
  encodeAmount,
} from "../../../src/protocols/exchange/index.ts";
import type { MetadataStore } from "../../../src/store/metadata/index.ts";
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

async function paidPair(options: { stopPayingAfter?: number; settleThreshold?: bigint } = {}) {
  role = (role % 6) + 1;
  const reputation = new RecordedReputation();
  const provider = providerAccounting(
    world.devnet,
    world.dir,
    {
      pricePerBlock: PRICE,
      paymentThreshold: THRESHOLD,
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
  const realPayer = new ChannelExchangePayer(client.payer);
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
  return { provider, client, realPayer, providerPeer, clientPeer, reputation };
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
    const due = this.inner.owe(peer, price);
    if (due === undefined) return undefined;
    if (this.paid++ < this.limit) return due;
    due.catch(() => {});
    return undefined;
  }
}

function hex(bytes: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(bytes.slice(2), "hex"));
}

describe("paid exchange over loopback with a devnet", { timeout: 60_000 }, () => {
  it("pays with cumulative vouchers at half the threshold, stored before they count, and settles on-chain", async () => {
    const { provider, client, realPayer, providerPeer, clientPeer, reputation } = await paidPair();
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

  it("refuses forged and replayed vouchers on the wire and credits nothing for them", async () => {
    const { provider, client, providerPeer, clientPeer } = await paidPair();
    const clientAccount = world.devnet.account(role % 2 === 0 ? "client1" : "client2");
    const channel = await client.payer.channelFor(provider.accounting.recipient, 100_000n);
    const context = {
      chainId: world.devnet.chain.id,
      verifyingContract: world.devnet.contracts.PaymentChannels.address,
    };
    const forger = privateKeyToAccount(generatePrivateKey());
    const forgedSig = await signVoucher(forger, context, {
      channelId: channel.channelId,
      cumulativeAmount: 50_000n,
    });
    const real = await client.payer.pay(provider.accounting.recipient, 5_000n);

    const attempt = async (payment: { cumulativeAmount: bigint; signature: `0x${string}` }) => {
      const stream = await clientPeer.net.dialProtocol(addressOf(providerPeer), PROTOCOL_NAME);
      await writeMessage(stream, {
        account: { address: hex(clientAccount.address), channelId: hex(channel.channelId) },
      });
      await writeMessage(stream, {
        payment: {
          channelId: hex(channel.channelId),
          cumulativeAmount: encodeAmount(payment.cumulativeAmount),
          signature: hex(payment.signature),
        },
      });
      try {
        for await (const _ of readMessages(stream, { messageTimeout: 5_000 })) {
          // terms, then nothing
        }
        return "open";
      } catch (err) {
        return (err as Error).name;
      }
    };
    const clientId = clientPeer.net.peerId.toString();
    expect(await attempt({ cumulativeAmount: 50_000n, signature: forgedSig })).not.toBe("open");
    expect(provider.accounting.ledger(clientId).credited).toBe(0n);
    // The real voucher is accepted once...
    const stream = await clientPeer.net.dialProtocol(addressOf(providerPeer), PROTOCOL_NAME);
    await writeMessage(stream, {
      account: { address: hex(clientAccount.address), channelId: hex(channel.channelId) },
    });
    await writeMessage(stream, {
      payment: {
        channelId: hex(real.channelId),
        cumulativeAmount: encodeAmount(real.cumulativeAmount),
        signature: hex(real.signature),
      },
    });
    await expect.poll(() => provider.accounting.ledger(clientId).credited).toBe(5_000n);
    await stream.close();
    // ...and its replay ends the stream and credits nothing more.
    expect(await attempt(real)).not.toBe("open");
    expect(provider.accounting.ledger(clientId).credited).toBe(5_000n);
  });
});
