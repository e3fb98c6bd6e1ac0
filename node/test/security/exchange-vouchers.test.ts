/**
 * A lying client on the paid block exchange: over a real loopback libp2p connection to a
 * provider whose cashier is the node's real payments accounting (SQLite, PaymentChannels
 * on anvil), a peer sends `account` and `payment` frames with forged vouchers (a random
 * signature, someone else's, the wrong channel, another chain or contract, a channel that
 * pays someone else or does not exist). Each is refused for its reason, the stream is reset,
 * nothing is credited or stored, and the peer's paying reputation takes a voucher-invalid
 * event. Replays (the same total, a lower one, another peer's) are genuine vouchers that
 * pay nothing new: they are ignored, as an honest client's racing streams send them, and
 * gain the sender nothing: no credit, no stored voucher, no reputation.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stream } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signVoucher, type TypedDataSigner } from "../../src/core/voucher.ts";
import { ChannelExchangePayer, type ProviderAccounting } from "../../src/payments/index.ts";
import { ReceivedVoucherTable } from "../../src/payments/voucher-table.ts";
import {
  encodeAmount,
  type Message,
  PROTOCOL_NAME,
  readMessages,
  writeMessage,
} from "../../src/protocols/exchange/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import { captureLogger } from "../chain/helpers.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { RecordedReputation } from "../helpers/recorded-reputation.ts";
import { channelPayer, providerAccounting } from "../payments/fixture.ts";
import { addressOf, type Peer, startPeer } from "../protocols/exchange/fixture.ts";

const bytes = (hex: Hex): Uint8Array<ArrayBuffer> => Uint8Array.from(Buffer.from(hex.slice(2), "hex"));

interface Voucher {
  channelId: Hex;
  cumulativeAmount: bigint;
  signature: Hex;
}

describe("forged and replayed vouchers on the exchange", { timeout: 60_000 }, () => {
  let devnet: Devnet;
  let dir: string;
  let accounting: ProviderAccounting;
  let metadata: MetadataStore;
  let provider: Peer;
  const attackers: Peer[] = [];
  const stores: MetadataStore[] = [];
  const reputation = new RecordedReputation();
  const { logger, lines } = captureLogger("exchange", "debug");
  /** client1's channel to the provider, and one of client2's to another provider. */
  let channel: { address: Address; channelId: Hex };
  let othersChannel: { address: Address; channelId: Hex };
  let client: TypedDataSigner & { address: Address };
  let context: { chainId: number; verifyingContract: Address };

  beforeAll(async () => {
    devnet = await startDevnet();
    dir = await mkdtemp(join(tmpdir(), "cairn-security-vouchers-"));
    ({ accounting, metadata } = providerAccounting(
      devnet,
      dir,
      { pricePerBlock: 1_000n, paymentThreshold: 100_000n, settleThreshold: 10n ** 18n },
      reputation,
      "provider1",
    ));
    stores.push(metadata);
    provider = await startPeer(
      dir,
      "provider",
      { paymentTimeout: 1_000 },
      { cashier: accounting, reputation, logger },
    );
    const payer = await channelPayer(devnet, dir, {}, "client1");
    stores.push(payer.metadata);
    channel = await new ChannelExchangePayer(payer.payer).openAccount("x", accounting.terms());
    // A real channel from client2 that pays provider2, not this provider.
    const other = providerAccounting(devnet, dir, {}, undefined, "provider2");
    stores.push(other.metadata);
    const otherPayer = await channelPayer(devnet, dir, {}, "client2");
    stores.push(otherPayer.metadata);
    othersChannel = await new ChannelExchangePayer(otherPayer.payer).openAccount(
      "y",
      other.accounting.terms(),
    );
    client = devnet.account("client1");
    context = { chainId: devnet.chain.id, verifyingContract: devnet.contracts.PaymentChannels.address };
  }, 120_000);

  afterAll(async () => {
    await Promise.all([provider, ...attackers].map((p) => p?.stop()));
    await accounting?.stop();
    for (const s of stores) s.stop();
    await devnet?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const sign = (
    signer: TypedDataSigner,
    channelId: Hex,
    cumulativeAmount: bigint,
    where: { chainId: number; verifyingContract: Address } = context,
  ): Promise<Voucher> =>
    signVoucher(signer, where, { channelId, cumulativeAmount }).then((signature) => ({
      channelId,
      cumulativeAmount,
      signature,
    }));

  const stored = () => new ReceivedVoucherTable(metadata).get(channel.channelId)?.cumulativeAmount ?? 0n;

  let lastAttacker = 0;
  /**
   * A new peer (a new identity, so a clean ledger), at most five a second: the provider's
   * libp2p resets inbound connections from one address past ten a second.
   */
  async function attacker(): Promise<Peer> {
    const wait = lastAttacker + 200 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastAttacker = Date.now();
    const p = await startPeer(dir, `attacker-${attackers.length}`);
    attackers.push(p);
    return p;
  }

  /** Sends one raw frame after the provider's terms; how the stream ended. */
  async function sendFrame(from: Peer, message: Partial<Message>): Promise<string> {
    const stream: Stream = await from.net.dialProtocol(addressOf(provider), PROTOCOL_NAME);
    const messages = readMessages(stream);
    await messages.next();
    await writeMessage(stream, message);
    try {
      for await (const _ of messages) {
        // nothing else is asked for
      }
      return "closed";
    } catch {
      return "reset";
    }
  }

  /**
   * Opens an exchange stream from `from`, reads the provider's terms, and sends an account
   * and a payment frame. Resolves with how the stream ended: "reset" when the provider cut
   * it, "open" when it was still serving after `waitMs`.
   */
  async function pay(
    from: Peer,
    account: { address: Address; channelId: Hex },
    voucher: Voucher,
    waitMs = 5_000,
  ) {
    const stream: Stream = await from.net.dialProtocol(addressOf(provider), PROTOCOL_NAME);
    const messages = readMessages(stream);
    const first = await messages.next();
    expect((first.value as Message | undefined)?.terms).toBeDefined();
    await writeMessage(stream, {
      account: { address: bytes(account.address), channelId: bytes(account.channelId) },
      payment: {
        channelId: bytes(voucher.channelId),
        cumulativeAmount: encodeAmount(voucher.cumulativeAmount),
        signature: bytes(voucher.signature),
      },
    });
    const ended = (async () => {
      try {
        for await (const _ of messages) {
          // nothing else is asked for
        }
        return "closed";
      } catch {
        return "reset";
      }
    })();
    const outcome = await Promise.race([
      ended,
      new Promise<string>((r) => setTimeout(() => r("open"), waitMs)),
    ]);
    if (outcome === "open") stream.abort(new Error("done"));
    return outcome;
  }

  /** The provider refused the voucher for `reason`, reset the stream, credited and stored nothing. */
  async function expectRefused(
    from: Peer,
    account: { address: Address; channelId: Hex },
    voucher: Voucher,
    reason: string,
  ) {
    const peerId = from.net.peerId.toString();
    const credited = accounting.ledger(peerId).credited;
    const before = stored();
    const invalid = reputation.kinds(peerId, "paying").filter((k) => k === "voucher-invalid").length;
    expect(await pay(from, account, voucher)).toBe("reset");
    await expect
      .poll(() => lines.some((l) => l.includes(peerId) && l.includes(`voucher refused (${reason})`)))
      .toBe(true);
    expect(accounting.ledger(peerId).credited).toBe(credited);
    expect(stored()).toBe(before);
    expect(reputation.kinds(peerId, "paying").filter((k) => k === "voucher-invalid")).toHaveLength(
      invalid + 1,
    );
  }

  it("refuses a voucher with a random signature", async () => {
    const forged = {
      channelId: channel.channelId,
      cumulativeAmount: 5_000n,
      signature: `0x${"ab".repeat(65)}` as Hex,
    };
    await expectRefused(await attacker(), channel, forged, "bad-signature");
  });

  it("refuses a voucher signed by someone other than the channel's sender", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    await expectRefused(
      await attacker(),
      channel,
      await sign(stranger, channel.channelId, 5_000n),
      "bad-signature",
    );
    // Nor does declaring the stranger as the sender help: the channel is client1's.
    await expectRefused(
      await attacker(),
      { address: stranger.address, channelId: channel.channelId },
      await sign(stranger, channel.channelId, 5_000n),
      "wrong-sender",
    );
  });

  it("refuses a voucher for another channel than the one declared", async () => {
    const voucher = await sign(client, othersChannel.channelId, 5_000n);
    await expectRefused(await attacker(), channel, voucher, "wrong-channel");
  });

  it("refuses a voucher on a channel that pays another provider", async () => {
    const otherClient = devnet.account("client2");
    await expectRefused(
      await attacker(),
      othersChannel,
      await sign(otherClient, othersChannel.channelId, 5_000n),
      "wrong-recipient",
    );
  });

  it("refuses a voucher on a channel that does not exist", async () => {
    const ghost = `0x${"c0".repeat(32)}` as Hex;
    await expectRefused(
      await attacker(),
      { address: client.address, channelId: ghost },
      await sign(client, ghost, 5_000n),
      "unknown-channel",
    );
  });

  it("refuses a voucher signed for another chain id or another contract", async () => {
    const otherChain = await sign(client, channel.channelId, 5_000n, { ...context, chainId: 1 });
    await expectRefused(await attacker(), channel, otherChain, "bad-signature");
    const otherContract = await sign(client, channel.channelId, 5_000n, {
      ...context,
      verifyingContract: devnet.contracts.StorageMarket.address,
    });
    await expectRefused(await attacker(), channel, otherContract, "bad-signature");
  });

  it("resets the stream on malformed account and payment fields, crediting nothing", async () => {
    const good = await sign(client, channel.channelId, 6_000n);
    const account = { address: bytes(channel.address), channelId: bytes(channel.channelId) };
    const payment = {
      channelId: bytes(good.channelId),
      cumulativeAmount: encodeAmount(good.cumulativeAmount),
      signature: bytes(good.signature),
    };
    const cases: Array<[string, Partial<Message>, string]> = [
      [
        "a 64-byte signature",
        { account, payment: { ...payment, signature: payment.signature.slice(0, 64) } },
        "InvalidMessageError: payment.signature",
      ],
      [
        "a 31-byte channel id",
        { account, payment: { ...payment, channelId: payment.channelId.slice(1) } },
        "InvalidMessageError: payment.channelId",
      ],
      [
        "a 33-byte amount",
        { account, payment: { ...payment, cumulativeAmount: new Uint8Array(33).fill(1) } },
        "InvalidMessageError: amount",
      ],
      [
        "a 19-byte account address",
        { account: { ...account, address: account.address.slice(1) }, payment },
        "InvalidMessageError: account.address",
      ],
      [
        "a zero amount",
        { account, payment: { ...payment, cumulativeAmount: new Uint8Array() } },
        "voucher refused (malformed)",
      ],
    ];
    // One peer for all of them (each case is told apart by what the provider logs).
    const from = await attacker();
    const peerId = from.net.peerId.toString();
    for (const [what, message, logged] of cases) {
      expect(await sendFrame(from, message), what).toBe("reset");
      await expect
        .poll(() => lines.some((l) => l.includes(peerId) && l.includes(logged)), { message: what })
        .toBe(true);
      expect(accounting.ledger(peerId).credited, what).toBe(0n);
    }
    // A payment from a peer that never declared an account (the peer above has one by now).
    const stranger = await attacker();
    const strangerId = stranger.net.peerId.toString();
    expect(await sendFrame(stranger, { payment })).toBe("reset");
    await expect
      .poll(() => lines.some((l) => l.includes(strangerId) && l.includes("voucher refused (no-account)")))
      .toBe(true);
    expect(accounting.ledger(strangerId).credited).toBe(0n);
    expect(stored()).toBe(0n);
  });

  it("ignores replays, crediting nothing: the same total again, a lower one, and another peer's", async () => {
    const honest = await attacker();
    const honestId = honest.net.peerId.toString();
    const first = await sign(client, channel.channelId, 5_000n);
    // The real voucher is taken and credited.
    expect(await pay(honest, channel, first, 1_000)).toBe("open");
    await expect.poll(() => accounting.ledger(honestId).credited).toBe(5_000n);
    expect(stored()).toBe(5_000n);

    const replays: Array<[Peer, Voucher]> = [
      [honest, first],
      [honest, await sign(client, channel.channelId, 4_000n)],
      // Someone who saw the voucher on the wire replays it as theirs.
      [await attacker(), first],
    ];
    for (const [from, voucher] of replays) {
      expect(await pay(from, channel, voucher, 1_000)).toBe("open");
      expect(accounting.ledger(from.net.peerId.toString()).credited).toBe(from === honest ? 5_000n : 0n);
      expect(reputation.kinds(from.net.peerId.toString(), "paying")).toEqual(
        from === honest ? ["voucher-valid"] : [],
      );
    }
    expect(stored()).toBe(5_000n);
  });
});
