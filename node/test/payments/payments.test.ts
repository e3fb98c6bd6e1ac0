import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { signVoucher } from "../../src/core/voucher.ts";
import { paymentChannelsAbi } from "../../src/generated/contracts.ts";
import { ChannelExchangePayer } from "../../src/payments/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import { RecordedReputation } from "../helpers/recorded-reputation.ts";
import { channelPayer, channelReader, providerAccounting, sender, devnetPerFile } from "./fixture.ts";

const stores: MetadataStore[] = [];
const CLIENT_PEER = "12D3KooWClient";
const world = devnetPerFile("cairn-payments-", () => {
  for (const s of stores.splice(0)) s.stop();
});

/** A distinct provider role per test, so each test's channels start from scratch. */
let providerIndex = 0;
function nextProviderRole(): string {
  providerIndex = (providerIndex % 6) + 1;
  return `provider${providerIndex}`;
}

async function pair(providerConfig = {}, payerConfig = {}, reputation?: RecordedReputation) {
  const role = nextProviderRole();
  const provider = providerAccounting(world.devnet, world.dir, providerConfig, reputation, role);
  const client = await channelPayer(world.devnet, world.dir, payerConfig);
  stores.push(provider.metadata, client.metadata);
  const exchangePayer = new ChannelExchangePayer(client.payer);
  const account = await exchangePayer.openAccount(CLIENT_PEER, provider.accounting.terms());
  provider.accounting.declareAccount(CLIENT_PEER, account);
  return { ...provider, ...client, exchangePayer, account };
}

describe("payments between a provider and a client on a devnet", () => {
  it("opens a channel, accepts an increasing voucher, stores it before crediting, and ignores a replay", async () => {
    const reputation = new RecordedReputation();
    const { accounting, payer, account } = await pair({}, {}, reputation);
    const info = await channelReader(world.devnet).readChannel(account.channelId);
    expect(info).toMatchObject({ state: "open", deposited: 1_000_000n, sender: payer.address });

    expect(accounting.tryCharge(CLIENT_PEER, 60_000n, 1)).toBe(true);
    const voucher = await payer.pay(accounting.recipient, 60_000n);
    expect(voucher.cumulativeAmount).toBe(60_000n);
    expect(await accounting.receivePayment(CLIENT_PEER, voucher)).toBe(60_000n);
    expect(accounting.ledger(CLIENT_PEER).debt).toBe(0n);

    // Genuine but not above the stored total (sent twice, or overtaken): it pays nothing,
    // and is no fault either, nor a second good mark.
    expect(await accounting.receivePayment(CLIENT_PEER, voucher)).toBe(0n);
    expect(accounting.ledger(CLIENT_PEER).credited).toBe(60_000n);
    expect(reputation.kinds(CLIENT_PEER, "paying")).toEqual(["voucher-valid"]);
  }, 30_000);

  it("refuses forged, foreign-channel and over-deposit vouchers and credits nothing", async () => {
    const { accounting, account } = await pair();
    const context = {
      chainId: world.devnet.chain.id,
      verifyingContract: world.devnet.contracts.PaymentChannels.address,
    };
    const forger = privateKeyToAccount(generatePrivateKey());
    const forged = {
      channelId: account.channelId,
      cumulativeAmount: 5_000n,
      signature: await signVoucher(forger, context, {
        channelId: account.channelId,
        cumulativeAmount: 5_000n,
      }),
    };
    await expect(accounting.receivePayment(CLIENT_PEER, forged)).rejects.toMatchObject({
      reason: "bad-signature",
    });

    const client = world.devnet.account("client1");
    const tooMuch = {
      channelId: account.channelId,
      cumulativeAmount: 2_000_000n,
      signature: await signVoucher(client, context, {
        channelId: account.channelId,
        cumulativeAmount: 2_000_000n,
      }),
    };
    await expect(accounting.receivePayment(CLIENT_PEER, tooMuch)).rejects.toMatchObject({
      reason: "above-deposit",
    });

    const otherChannel = `0x${"ab".repeat(32)}` as const;
    const foreign = {
      channelId: otherChannel,
      cumulativeAmount: 1n,
      signature: await signVoucher(client, context, { channelId: otherChannel, cumulativeAmount: 1n }),
    };
    await expect(accounting.receivePayment(CLIENT_PEER, foreign)).rejects.toMatchObject({
      reason: "wrong-channel",
    });
    // Another peer claiming client1's channel cannot use a voucher signed by someone else either.
    accounting.declareAccount("12D3KooWMallory", { address: forger.address, channelId: account.channelId });
    await expect(accounting.receivePayment("12D3KooWMallory", forged)).rejects.toMatchObject({
      reason: "wrong-sender",
    });
    expect(accounting.ledger(CLIENT_PEER).credited).toBe(0n);
  }, 30_000);

  it("serves on credit up to threshold plus tolerance, scaled by reputation, then refuses", async () => {
    const { accounting } = await pair({ paymentThreshold: 10_000n, tolerancePercent: 20n });
    let served = 0;
    while (accounting.tryCharge(CLIENT_PEER, 1_000n, 1)) served++;
    expect(served).toBe(12);
    expect(accounting.creditLimit(0.5)).toBe(6_000n);
    expect(accounting.creditLimit(0)).toBe(0n);
  }, 30_000);

  it("gives a free allowance that refills over time", async () => {
    const { accounting } = await pair({
      freeAllowance: 3_000n,
      freeAllowanceRefillPerSecond: 10_000n,
      paymentThreshold: 1n,
      tolerancePercent: 0n,
    });
    expect(accounting.tryCharge(CLIENT_PEER, 1_000n, 0)).toBe(true);
    expect(accounting.tryCharge(CLIENT_PEER, 2_000n, 0)).toBe(true);
    expect(accounting.tryCharge(CLIENT_PEER, 1_000n, 0)).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(accounting.tryCharge(CLIENT_PEER, 1_000n, 0)).toBe(true);
    expect(accounting.ledger(CLIENT_PEER).debt).toBe(0n);
  }, 30_000);

  it("settles on-chain once unsettled vouchers pass the settle threshold", async () => {
    const { accounting, payer, account, sent } = await pair({ settleThreshold: 50_000n });
    await accounting.receivePayment(CLIENT_PEER, await payer.pay(accounting.recipient, 30_000n));
    expect(sent).toEqual([]);
    await accounting.receivePayment(CLIENT_PEER, await payer.pay(accounting.recipient, 30_000n));
    await accounting.stop(); // waits for the settlement in flight
    expect(sent.map((s) => s.functionName)).toEqual(["settle"]);
    const info = await channelReader(world.devnet).readChannel(account.channelId);
    expect(info.paid).toBe(60_000n);
  }, 30_000);

  it("closes with its voucher when the client asks to close, and cashes what it holds when cutting a peer off", async () => {
    const { accounting, payer, account, sent } = await pair({ settleThreshold: 10n ** 18n });
    await accounting.receivePayment(CLIENT_PEER, await payer.pay(accounting.recipient, 40_000n));
    accounting.cutOff(CLIENT_PEER);
    await accounting.stop();
    expect(sent.map((s) => s.functionName)).toEqual(["settle"]);
    expect((await channelReader(world.devnet).readChannel(account.channelId)).paid).toBe(40_000n);

    await accounting.receivePayment(CLIENT_PEER, await payer.pay(accounting.recipient, 5_000n));
    await sender(world.devnet, world.devnet.account("client1")).send({
      address: world.devnet.contracts.PaymentChannels.address,
      abi: paymentChannelsAbi,
      functionName: "requestClose",
      args: [account.channelId],
    });
    await accounting.watchClosingChannels();
    expect(sent.map((s) => s.functionName)).toEqual(["settle", "closeWithVoucher"]);
    const info = await channelReader(world.devnet).readChannel(account.channelId);
    expect(info).toMatchObject({ state: "closed", paid: 45_000n });
  }, 30_000);

  it("sends a voucher only when the debt reaches half the threshold", async () => {
    const { exchangePayer, accounting } = await pair({ paymentThreshold: 10_000n });
    const vouchers = [];
    for (let i = 0; i < 12; i++) {
      expect(accounting.tryCharge(CLIENT_PEER, 1_000n, 1)).toBe(true);
      const due = exchangePayer.owe(CLIENT_PEER, 1_000n);
      if (due !== undefined) vouchers.push(await due);
    }
    expect(vouchers.map((v) => v.cumulativeAmount)).toEqual([5_000n, 10_000n]);
    for (const v of vouchers) await accounting.receivePayment(CLIENT_PEER, v);
    expect(accounting.ledger(CLIENT_PEER).debt).toBe(2_000n);
    expect(exchangePayer.owedTo(CLIENT_PEER)).toBe(2_000n);
  }, 30_000);

  it("counts what a provider is owed while its channel opens, across sessions, and pays it all once open", async () => {
    const { accounting, payer } = await pair();
    // Another peer paying the same provider: a fresh debt, on the channel `pair` opened.
    const peer = "12D3KooWOther";
    const exchangePayer = new ChannelExchangePayer(payer);
    const opening = exchangePayer.openAccount(peer, accounting.terms());
    expect(exchangePayer.owe(peer, 3_000n)).toBeUndefined();
    expect(exchangePayer.owedTo(peer)).toBe(3_000n);
    const account = await opening;
    accounting.declareAccount(peer, account);
    expect(accounting.tryCharge(peer, 3_000n, 1)).toBe(true);
    // Far below half the threshold, so no session would pay it yet; payOwed does.
    expect(exchangePayer.owe(peer, 0n)).toBeUndefined();
    const voucher = await exchangePayer.payOwed(peer);
    expect(voucher?.cumulativeAmount).toBe(3_000n);
    expect(exchangePayer.owedTo(peer)).toBe(0n);
    expect(exchangePayer.payOwed(peer)).toBeUndefined();
    expect(await accounting.receivePayment(peer, voucher as NonNullable<typeof voucher>)).toBe(3_000n);
    expect(accounting.ledger(peer).debt).toBe(0n);
  }, 30_000);

  it("keeps channel and totals across restarts of both sides: nothing paid twice or lost", async () => {
    const first = await pair();
    const voucher = await first.payer.pay(first.accounting.recipient, 7_000n);
    await first.accounting.receivePayment(CLIENT_PEER, voucher);
    first.metadata.stop();
    await first.accounting.stop();
    // A new process on the same files.
    const client = await channelPayer(world.devnet, world.dir);
    stores.push(client.metadata);
    const next = await client.payer.pay(first.accounting.recipient, 3_000n);
    expect(next.channelId).toBe(voucher.channelId);
    expect(next.cumulativeAmount).toBe(10_000n);
    const role = `provider${providerIndex}`;
    const restarted = providerAccounting(world.devnet, world.dir, {}, undefined, role);
    stores.push(restarted.metadata);
    restarted.accounting.declareAccount(CLIENT_PEER, first.account);
    expect(await restarted.accounting.receivePayment(CLIENT_PEER, voucher)).toBe(0n);
    expect(await restarted.accounting.receivePayment(CLIENT_PEER, next)).toBe(3_000n);
  }, 30_000);

  it("keeps what was served and not yet paid across restarts of both sides, and pays it once", async () => {
    const config = { paymentThreshold: 10_000n };
    const first = await pair(config);
    const role = `provider${providerIndex}`;
    // Its own peer id: the client's database is shared by this file's tests.
    const peer = "12D3KooWRestartedPeer";
    const account = await first.exchangePayer.openAccount(peer, first.accounting.terms());
    first.accounting.declareAccount(peer, account);
    const totalBefore = first.payer.table.get(account.channelId)?.cumulativeSent ?? 0n;
    // 3000 wei of blocks, under half the threshold: no voucher is due yet.
    for (let i = 0; i < 3; i++) {
      expect(first.accounting.tryCharge(peer, 1_000n, 1)).toBe(true);
      expect(first.exchangePayer.owe(peer, 1_000n)).toBeUndefined();
    }

    const restartBoth = async () => {
      await Promise.all(stores.splice(0).map((s) => s.stop()));
      const client = await channelPayer(world.devnet, world.dir);
      const provider = providerAccounting(world.devnet, world.dir, config, undefined, role);
      stores.push(client.metadata, provider.metadata);
      return { client, provider, exchangePayer: new ChannelExchangePayer(client.payer) };
    };
    await first.accounting.stop();
    const second = await restartBoth();
    expect(second.exchangePayer.owedTo(peer)).toBe(3_000n);
    expect(second.provider.accounting.ledger(peer).debt).toBe(3_000n);

    // The next session to the provider pays it, and both sides forget it in the voucher's commit.
    second.provider.accounting.declareAccount(
      peer,
      await second.exchangePayer.openAccount(peer, second.provider.accounting.terms()),
    );
    const voucher = await second.exchangePayer.payOwed(peer);
    expect(voucher?.cumulativeAmount).toBe(totalBefore + 3_000n);
    expect(
      await second.provider.accounting.receivePayment(peer, voucher as NonNullable<typeof voucher>),
    ).toBe(3_000n);
    await second.provider.accounting.stop();
    const third = await restartBoth();
    expect(third.exchangePayer.owedTo(peer)).toBe(0n);
    expect(third.exchangePayer.payOwed(peer)).toBeUndefined();
    expect(third.provider.accounting.ledger(peer).debt).toBe(0n);
  }, 30_000);

  it("tops a channel up when a voucher needs more, and stops at the budget", async () => {
    const { payer, accounting, account } = await pair({}, { budget: 2_500_000n, channelDeposit: 1_000_000n });
    await payer.pay(accounting.recipient, 1_500_000n);
    expect((await channelReader(world.devnet).readChannel(account.channelId)).deposited).toBe(2_000_000n);
    await expect(payer.pay(accounting.recipient, 600_000n)).rejects.toMatchObject({
      name: "ChannelBudgetExceededError",
    });
    // Not signed, so not stored: the next voucher continues from the last one sent.
    expect(payer.table.get(account.channelId)?.cumulativeSent).toBe(1_500_000n);
  }, 30_000);

  it("drops a channel left 'opening' by a crash before its transaction, and keeps one the chain has", async () => {
    const { payer, accounting, account } = await pair();
    const ghost = (
      await channelReader(world.devnet).nextChannelId(payer.address)
    ).toLowerCase() as `0x${string}`;
    // What a crash between storing the row and sending `open` leaves behind.
    payer.table.insert({
      channelId: ghost,
      recipient: accounting.recipient,
      sender: payer.address,
      deposited: 5n,
      cumulativeSent: 0n,
      state: "opening",
    });
    await payer.start();
    expect(payer.table.get(ghost)).toBeUndefined();
    expect(payer.table.get(account.channelId)).toMatchObject({ state: "open", deposited: 1_000_000n });
  }, 30_000);
});
