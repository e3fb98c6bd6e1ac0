import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { type Address, encodeFunctionData, getAddress, type Hex, hashTypedData, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { channelIdOf } from "../../node/src/core/index.ts";
import {
  VOUCHER_DOMAIN_NAME,
  VOUCHER_DOMAIN_VERSION,
  VOUCHER_TYPES,
} from "../../scripts/generate/contracts-module.ts";
import { deployCairn } from "../helpers/cairn.ts";
import { guardUnhandledRejections } from "../helpers/guard.ts";
import { at } from "../helpers/arrays.ts";

guardUnhandledRejections();

const CHAIN_ID = 98765;
const CLOSE_DELAY = 3600;

describe("PaymentChannels", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();

  /** A channel from client1 to provider1 holding 1 ETH. */
  async function channelsFixture() {
    const cairn = await deployCairn(connection);
    const sender = at(cairn.clients, 0);
    const recipient = at(cairn.providers, 0);
    const stranger = at(cairn.providers, 1);
    const channelId = await cairn.channels.read.nextChannelId([sender.account.address]);
    await cairn.channels.write.open([recipient.account.address, CLOSE_DELAY], {
      account: sender.account,
      value: parseEther("1"),
    });
    return { ...cairn, sender, recipient, stranger, channelId };
  }
  const load = () => networkHelpers.loadFixture(channelsFixture);
  type Fixture = Awaited<ReturnType<typeof load>>;

  const domain = (verifyingContract: Address, chainId = CHAIN_ID) =>
    ({ name: VOUCHER_DOMAIN_NAME, version: VOUCHER_DOMAIN_VERSION, chainId, verifyingContract }) as const;

  /** `signer`'s voucher for `cumulativeAmount` on `channelId`, under the given domain. */
  function sign(
    signer: WalletClient | ReturnType<typeof privateKeyToAccount>,
    verifyingContract: Address,
    channelId: Hex,
    cumulativeAmount: bigint,
    chainId = CHAIN_ID,
  ): Promise<Hex> {
    const typedData = {
      domain: domain(verifyingContract, chainId),
      types: VOUCHER_TYPES,
      primaryType: "Voucher",
      message: { channelId, cumulativeAmount },
    } as const;
    return "signTypedData" in signer && "account" in signer && typeof signer.account === "object"
      ? (signer as WalletClient).signTypedData({ account: (signer as WalletClient).account, ...typedData })
      : (signer as ReturnType<typeof privateKeyToAccount>).signTypedData(typedData);
  }
  const voucher = (f: Fixture, amount: bigint) => sign(f.sender, f.channels.address, f.channelId, amount);

  describe("open and deposit", () => {
    it("opens a channel with its first deposit, at the id the sender can predict", async () => {
      const { channels, sender, recipient, channelId } = await load();
      assert.equal(channelId, channelIdOf(sender.account.address, 0n));
      const info = await channels.read.channel([channelId]);
      assert.equal(info.sender, getAddress(sender.account.address));
      assert.equal(info.recipient, getAddress(recipient.account.address));
      assert.equal(info.deposited, parseEther("1"));
      assert.equal(info.paid, 0n);
      assert.equal(info.closeDelay, CLOSE_DELAY);
      assert.equal(info.state, 1, "Open");
      assert.equal(
        await channels.read.nextChannelId([sender.account.address]),
        channelIdOf(sender.account.address, 1n),
      );
    });

    it("emits ChannelOpened and gives every channel a new id", async () => {
      const { channels, sender, recipient } = await load();
      const id = channelIdOf(sender.account.address, 1n);
      await viem.assertions.emitWithArgs(
        channels.write.open([recipient.account.address, 60], { account: sender.account, value: 5n }),
        channels,
        "ChannelOpened",
        [id, sender.account.address, recipient.account.address, 5n, 60],
      );
      assert.equal((await channels.read.channel([id])).deposited, 5n);
    });

    it("refuses a zero recipient and an over-long close delay", async () => {
      const { channels, sender } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.open(["0x0000000000000000000000000000000000000000", 1], { account: sender.account }),
        channels,
        "PaymentChannelsInvalidRecipient",
        ["0x0000000000000000000000000000000000000000"],
      );
      const tooLong = 365 * 86_400 + 1;
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.open([sender.account.address, tooLong], { account: sender.account }),
        channels,
        "PaymentChannelsCloseDelayTooLong",
        [BigInt(tooLong), await channels.read.MAX_CLOSE_DELAY()],
      );
    });

    it("tops up, from anyone, and refuses zero or unknown channels", async () => {
      const { channels, stranger, channelId } = await load();
      await viem.assertions.emitWithArgs(
        channels.write.deposit([channelId], { account: stranger.account, value: parseEther("0.5") }),
        channels,
        "ChannelDeposited",
        [channelId, parseEther("0.5"), parseEther("1.5")],
      );
      await viem.assertions.revertWithCustomError(
        channels.write.deposit([channelId], { account: stranger.account, value: 0n }),
        channels,
        "PaymentChannelsZeroDeposit",
      );
      const unknown = channelIdOf(stranger.account.address, 7n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.deposit([unknown], { account: stranger.account, value: 1n }),
        channels,
        "PaymentChannelsUnknownChannel",
        [unknown],
      );
      assert.equal((await channels.read.channel([unknown])).state, 0, "None");
    });
  });

  describe("settle", () => {
    it("pays the recipient the voucher's amount beyond what was paid", async () => {
      const f = await load();
      const { channels, recipient, channelId } = f;
      const first = channels.write.settle([{ channelId, cumulativeAmount: 300n }, await voucher(f, 300n)], {
        account: recipient.account,
      });
      await viem.assertions.emitWithArgs(first, channels, "ChannelSettled", [channelId, 300n, 300n]);
      const second = channels.write.settle(
        [{ channelId, cumulativeAmount: 1000n }, await voucher(f, 1000n)],
        {
          account: recipient.account,
        },
      );
      await viem.assertions.balancesHaveChanged(second, [
        { address: recipient.account.address, amount: 700n },
        { address: channels.address, amount: -700n },
      ]);
      assert.equal((await channels.read.channel([channelId])).paid, 1000n);
    });

    it("refuses replayed and older vouchers", async () => {
      const f = await load();
      const { channels, recipient, channelId } = f;
      const signature = await voucher(f, 500n);
      await channels.write.settle([{ channelId, cumulativeAmount: 500n }, signature], {
        account: recipient.account,
      });
      for (const [amount, sig] of [
        [500n, signature],
        [400n, await voucher(f, 400n)],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          channels.write.settle([{ channelId, cumulativeAmount: amount }, sig], {
            account: recipient.account,
          }),
          channels,
          "PaymentChannelsVoucherTooLow",
          [channelId, 500n, amount],
        );
      }
    });

    it("pays a voucher beyond the deposit up to the deposit, and the rest after a top-up", async () => {
      const f = await load();
      const { channels, recipient, sender, channelId } = f;
      const amount = parseEther("1.5");
      const signature = await voucher(f, amount);
      await viem.assertions.emitWithArgs(
        channels.write.settle([{ channelId, cumulativeAmount: amount }, signature], {
          account: recipient.account,
        }),
        channels,
        "ChannelSettled",
        [channelId, parseEther("1"), parseEther("1")],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.settle([{ channelId, cumulativeAmount: amount }, signature], {
          account: recipient.account,
        }),
        channels,
        "PaymentChannelsInsufficientDeposit",
        [channelId, parseEther("1"), amount],
      );
      await channels.write.deposit([channelId], { account: sender.account, value: parseEther("1") });
      await viem.assertions.emitWithArgs(
        channels.write.settle([{ channelId, cumulativeAmount: amount }, signature], {
          account: recipient.account,
        }),
        channels,
        "ChannelSettled",
        [channelId, parseEther("0.5"), amount],
      );
    });

    it("refuses signatures that are not the sender's", async () => {
      const f = await load();
      const { channels, recipient, stranger, channelId } = f;
      const settle = (signature: Hex) =>
        channels.write.settle([{ channelId, cumulativeAmount: 10n }, signature], {
          account: recipient.account,
        });
      const outsider = privateKeyToAccount(generatePrivateKey());
      const bySomeoneElse = await sign(outsider, channels.address, channelId, 10n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        settle(bySomeoneElse),
        channels,
        "PaymentChannelsInvalidSignature",
        [channelId, outsider.address],
      );
      const byRecipient = await sign(stranger, channels.address, channelId, 10n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        settle(byRecipient),
        channels,
        "PaymentChannelsInvalidSignature",
        [channelId, getAddress(stranger.account.address)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        settle("0x1234"),
        channels,
        "PaymentChannelsInvalidSignature",
        [channelId, "0x0000000000000000000000000000000000000000"],
      );
      // A voucher for 10 signed, then presented for 11.
      const forTen = await voucher(f, 10n);
      await viem.assertions.revertWithCustomError(
        channels.write.settle([{ channelId, cumulativeAmount: 11n }, forTen], { account: recipient.account }),
        channels,
        "PaymentChannelsInvalidSignature",
      );
    });

    it("refuses vouchers signed for another chain or another contract", async () => {
      const f = await load();
      const { channels, sender, recipient, channelId } = f;
      const otherChain = await sign(sender, channels.address, channelId, 10n, 1);
      await viem.assertions.revertWithCustomError(
        channels.write.settle([{ channelId, cumulativeAmount: 10n }, otherChain], {
          account: recipient.account,
        }),
        channels,
        "PaymentChannelsInvalidSignature",
      );
      const otherDeployment = await viem.deployContract("PaymentChannels");
      const otherContract = await sign(sender, otherDeployment.address, channelId, 10n);
      await viem.assertions.revertWithCustomError(
        channels.write.settle([{ channelId, cumulativeAmount: 10n }, otherContract], {
          account: recipient.account,
        }),
        channels,
        "PaymentChannelsInvalidSignature",
      );
    });

    it("lets only the recipient settle", async () => {
      const f = await load();
      const { channels, stranger, channelId } = f;
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.settle([{ channelId, cumulativeAmount: 10n }, await voucher(f, 10n)], {
          account: stranger.account,
        }),
        channels,
        "PaymentChannelsNotRecipient",
        [channelId, getAddress(stranger.account.address)],
      );
    });

    it("signs over the digest the contract computes, with the generated type and domain", async () => {
      const { channels, channelId } = await load();
      const message = { channelId, cumulativeAmount: 42n };
      const expected = hashTypedData({
        domain: domain(channels.address),
        types: VOUCHER_TYPES,
        primaryType: "Voucher",
        message,
      });
      assert.equal(await channels.read.hashVoucher([message]), expected);
      const [, name, version, chainId, verifyingContract] = await channels.read.eip712Domain();
      assert.deepEqual(
        [name, version, chainId, verifyingContract],
        [VOUCHER_DOMAIN_NAME, VOUCHER_DOMAIN_VERSION, BigInt(CHAIN_ID), getAddress(channels.address)],
      );
    });
  });

  describe("closing", () => {
    it("closes with a voucher: pays the recipient, refunds the sender at once", async () => {
      const f = await load();
      const { channels, sender, recipient, channelId } = f;
      const tx = channels.write.closeWithVoucher(
        [{ channelId, cumulativeAmount: 400n }, await voucher(f, 400n)],
        {
          account: recipient.account,
        },
      );
      await viem.assertions.balancesHaveChanged(tx, [
        { address: recipient.account.address, amount: 400n },
        { address: sender.account.address, amount: parseEther("1") - 400n },
        { address: channels.address, amount: -parseEther("1") },
      ]);
      await viem.assertions.emitWithArgs(Promise.resolve(await tx), channels, "ChannelClosed", [
        channelId,
        parseEther("1") - 400n,
      ]);
      assert.equal((await channels.read.channel([channelId])).state, 3, "Closed");
      for (const call of [
        channels.write.settle([{ channelId, cumulativeAmount: 500n }, await voucher(f, 500n)], {
          account: recipient.account,
        }),
        channels.write.deposit([channelId], { account: sender.account, value: 1n }),
        channels.write.requestClose([channelId], { account: sender.account }),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, channels, "PaymentChannelsChannelClosed", [
          channelId,
        ]);
      }
    });

    it("closes on the sender's request after the delay, settling in between", async () => {
      const f = await load();
      const { channels, sender, recipient, channelId } = f;
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.withdrawRemainder([channelId], { account: sender.account }),
        channels,
        "PaymentChannelsCloseNotRequested",
        [channelId],
      );
      const time = (await networkHelpers.time.latest()) + 1;
      await networkHelpers.time.setNextBlockTimestamp(time);
      await viem.assertions.emitWithArgs(
        channels.write.requestClose([channelId], { account: sender.account }),
        channels,
        "ChannelCloseRequested",
        [channelId, time + CLOSE_DELAY],
      );
      assert.equal((await channels.read.channel([channelId])).state, 2, "Closing");
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.requestClose([channelId], { account: sender.account }),
        channels,
        "PaymentChannelsCloseAlreadyRequested",
        [channelId, time + CLOSE_DELAY],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.withdrawRemainder([channelId], { account: sender.account }),
        channels,
        "PaymentChannelsCloseDelayNotOver",
        [channelId, time + CLOSE_DELAY],
      );
      await channels.write.settle([{ channelId, cumulativeAmount: 250n }, await voucher(f, 250n)], {
        account: recipient.account,
      });
      await networkHelpers.time.increaseTo(time + CLOSE_DELAY);
      const tx = channels.write.withdrawRemainder([channelId], { account: sender.account });
      await viem.assertions.balancesHaveChanged(tx, [
        { address: sender.account.address, amount: parseEther("1") - 250n },
      ]);
      assert.equal(await publicClient.getBalance({ address: channels.address }), 0n);
    });

    it("lets only the sender request the close and withdraw", async () => {
      const { channels, recipient, channelId } = await load();
      const who = [channelId, getAddress(recipient.account.address)] as const;
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.requestClose([channelId], { account: recipient.account }),
        channels,
        "PaymentChannelsNotSender",
        [...who],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.withdrawRemainder([channelId], { account: recipient.account }),
        channels,
        "PaymentChannelsNotSender",
        [...who],
      );
    });
  });

  it("spends the same gas to settle however many channels exist", async () => {
    const f = await load();
    const { channels, sender, recipient } = f;
    const settleGas = async (channelId: Hex) => {
      const signature = await sign(sender, channels.address, channelId, 100n);
      const hash = await channels.write.settle([{ channelId, cumulativeAmount: 100n }, signature], {
        account: recipient.account,
      });
      return (await publicClient.getTransactionReceipt({ hash })).gasUsed;
    };
    const first = await settleGas(f.channelId);
    for (let i = 0; i < 10; i++) {
      await channels.write.open([recipient.account.address, CLOSE_DELAY], {
        account: sender.account,
        value: 1000n,
      });
    }
    const latest = await channels.read.nextChannelId([sender.account.address]);
    await channels.write.open([recipient.account.address, CLOSE_DELAY], {
      account: sender.account,
      value: 1000n,
    });
    const later = await settleGas(latest);
    assert.ok(later <= (first * 101n) / 100n, `settle gas grew from ${first} to ${later}`);
  });

  describe("a party that reenters on every payout", () => {
    it("is paid once as recipient and once as sender", async () => {
      const f = await load();
      const { channels, sender } = f;
      const attacker = await viem.deployContract("ReentrantReceiver");
      // The attacker as recipient: settle, reentering settle.
      const toAttacker = channelIdOf(sender.account.address, 1n);
      await channels.write.open([attacker.address, CLOSE_DELAY], { account: sender.account, value: 1000n });
      const voucherArg = { channelId: toAttacker, cumulativeAmount: 600n };
      const signature = await sign(sender, channels.address, toAttacker, 600n);
      const settle = encodeFunctionData({
        abi: channels.abi,
        functionName: "settle",
        args: [voucherArg, signature],
      });
      await attacker.write.setReentry([channels.address, settle]);
      await attacker.write.execute([channels.address, settle, 0n]);
      assert.equal(await attacker.read.paymentsReceived(), 600n);
      assert.equal(await attacker.read.reentrySuccesses(), 0n);

      // The attacker as sender: withdrawRemainder, reentering withdrawRemainder.
      const fromAttacker = channelIdOf(attacker.address, 0n);
      const open = encodeFunctionData({
        abi: channels.abi,
        functionName: "open",
        args: [sender.account.address, 10],
      });
      await attacker.write.setReentry(["0x0000000000000000000000000000000000000000", "0x"]);
      await attacker.write.execute([channels.address, open, 300n], { value: 300n });
      const requestClose = encodeFunctionData({
        abi: channels.abi,
        functionName: "requestClose",
        args: [fromAttacker],
      });
      await attacker.write.execute([channels.address, requestClose, 0n]);
      await networkHelpers.time.increase(10);
      const withdraw = encodeFunctionData({
        abi: channels.abi,
        functionName: "withdrawRemainder",
        args: [fromAttacker],
      });
      await attacker.write.setReentry([channels.address, withdraw]);
      await attacker.write.execute([channels.address, withdraw, 0n]);
      assert.equal(await attacker.read.paymentsReceived(), 900n);
      assert.equal(await attacker.read.reentrySuccesses(), 0n);
      assert.equal(await publicClient.getBalance({ address: channels.address }), parseEther("1") + 400n);
    });
  });
});
