/**
 * The client's channels: opens a channel to a provider or tops it up when the debt needs
 * more than it holds, within the node's budget, and signs cumulative vouchers on it. Every
 * step is persisted before it is acted on, so a restart neither pays twice nor loses a
 * channel:
 *
 * - opening: the channel id the contract will assign (`nextChannelId`) is stored as
 *   `opening` before the transaction; `start()` keeps it if the chain has it, else drops it;
 * - top-up: the new deposit is read back from the chain after the transaction, and on start;
 * - vouchers: the new total is stored before it is signed and sent.
 */
import type { Address, Hex } from "viem";
import type { TransactionSender } from "../chain/types.ts";
import { signVoucher, type TypedDataSigner } from "../core/voucher.ts";
import type { Logger } from "../logging/index.ts";
import type { SignedVoucher } from "../protocols/exchange/types.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import type { Startable } from "../utils/startable.ts";
import type { ChannelReader } from "./channel-reader.ts";
import { type SentChannel, SentChannelTable } from "./channel-table.ts";
import { DebtTable } from "./debt-table.ts";
import { sendChannelDeposit, sendOpenChannel } from "./channel-writes.ts";
import { ChannelBudgetExceededError } from "./errors.ts";

export interface ChannelPayerInit {
  chainId: number;
  paymentChannels: Address;
  /** The most wei this node keeps deposited in channels that are not closed. */
  budget: bigint;
  /** What a new channel or a top-up deposits, unless the debt needs more (wei). */
  channelDeposit: bigint;
  /** seconds */
  closeDelay: number;
}

export interface ChannelPayerComponents {
  metadata: MetadataStore;
  channels: ChannelReader;
  transactions: TransactionSender;
  /** Signs vouchers; its address must be the transaction sender's. */
  signer: TypedDataSigner;
  logger: Logger;
}

export class ChannelPayer implements Startable {
  private readonly components: ChannelPayerComponents;
  private readonly init: ChannelPayerInit;
  private readonly log: Logger;
  readonly table: SentChannelTable;
  /** What is owed to providers and not yet signed for (kept by ChannelExchangePayer). */
  readonly debts: DebtTable;
  /** Channel changes are serialized: the budget check and the write must see one state. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(components: ChannelPayerComponents, init: ChannelPayerInit) {
    this.components = components;
    this.init = init;
    this.log = components.logger;
    this.table = new SentChannelTable(components.metadata);
    this.debts = new DebtTable(components.metadata);
  }

  get address(): Address {
    return this.components.transactions.address;
  }

  /** Reconciles persisted channels with the chain (after a crash mid-open or mid-top-up). */
  async start(): Promise<void> {
    await this.serialized(async () => {
      for (const channel of this.table.live()) {
        const info = await this.components.channels.readChannel(channel.channelId);
        if (info.state === "none") {
          if (channel.state === "opening") this.table.delete(channel.channelId);
          continue;
        }
        this.table.update(channel.channelId, { deposited: info.deposited, state: info.state });
      }
    });
  }

  stop(): void {}

  /**
   * A channel to `recipient` that can take `needed` more wei of vouchers: the open one,
   * topped up if short, or a new one.
   */
  channelFor(recipient: Address, needed: bigint): Promise<SentChannel> {
    return this.serialized(async () => {
      const channel = this.table.openTo(this.address, recipient);
      if (channel === undefined) return this.open(recipient, needed);
      const room = channel.deposited - channel.cumulativeSent;
      if (room >= needed) return channel;
      return this.topUp(channel, needed - room);
    });
  }

  /**
   * Signs a voucher for `amount` more than the channel's last total and stores the new
   * total before returning it; the channel is topped up first if the deposit would not cover it.
   * `inSameCommit` runs inside the transaction that stores the total, for writes that must
   * stand or fall with it (the debt the voucher pays).
   */
  pay(recipient: Address, amount: bigint, inSameCommit?: () => void): Promise<SignedVoucher> {
    return this.serialized(async () => {
      let channel = this.table.openTo(this.address, recipient);
      if (channel === undefined) channel = await this.open(recipient, amount);
      else if (channel.deposited - channel.cumulativeSent < amount) {
        channel = await this.topUp(channel, amount - (channel.deposited - channel.cumulativeSent));
      }
      const { channelId } = channel;
      const cumulativeAmount = channel.cumulativeSent + amount;
      const signature = await signVoucher(
        this.components.signer,
        { chainId: this.init.chainId, verifyingContract: this.init.paymentChannels },
        { channelId, cumulativeAmount },
      );
      // Stored before the caller can send it: a crash after this loses at most a voucher the
      // provider never saw, which the next, higher total covers.
      this.components.metadata.transaction(() => {
        this.table.update(channelId, { cumulativeSent: cumulativeAmount });
        inSameCommit?.();
      });
      return { channelId, cumulativeAmount, signature };
    });
  }

  private checkBudget(extra: bigint): void {
    const committed = this.table.committed();
    if (committed + extra > this.init.budget) {
      throw new ChannelBudgetExceededError(
        `depositing ${extra} wei would lock ${committed + extra}, above the budget of ${this.init.budget}`,
      );
    }
  }

  private async open(recipient: Address, needed: bigint): Promise<SentChannel> {
    const deposit = needed > this.init.channelDeposit ? needed : this.init.channelDeposit;
    this.checkBudget(deposit);
    const channelId = (await this.components.channels.nextChannelId(this.address)).toLowerCase() as Hex;
    const record: SentChannel = {
      channelId,
      recipient,
      sender: this.address,
      deposited: deposit,
      cumulativeSent: 0n,
      state: "opening",
    };
    this.table.insert(record);
    try {
      await sendOpenChannel(this.components.transactions, this.init.paymentChannels, {
        recipient,
        closeDelay: this.init.closeDelay,
        deposit,
      });
    } catch (err) {
      // Kept when the chain has it after all (a receipt lost, not the transaction).
      const info = await this.components.channels.readChannel(channelId).catch(() => undefined);
      if (info === undefined || info.state === "none") this.table.delete(channelId);
      else this.table.update(channelId, { deposited: info.deposited, state: info.state });
      throw err;
    }
    const info = await this.components.channels.readChannel(channelId);
    this.table.update(channelId, { deposited: info.deposited, state: "open" });
    this.log.info("payment channel opened", { channelId, recipient, deposit: deposit.toString() });
    return { ...record, deposited: info.deposited, state: "open" };
  }

  private async topUp(channel: SentChannel, short: bigint): Promise<SentChannel> {
    const deposit = short > this.init.channelDeposit ? short : this.init.channelDeposit;
    this.checkBudget(deposit);
    try {
      await sendChannelDeposit(
        this.components.transactions,
        this.init.paymentChannels,
        channel.channelId,
        deposit,
      );
    } finally {
      const info = await this.components.channels.readChannel(channel.channelId);
      if (info.state !== "none")
        this.table.update(channel.channelId, { deposited: info.deposited, state: info.state });
    }
    this.log.info("payment channel topped up", { channelId: channel.channelId, deposit: deposit.toString() });
    return this.table.get(channel.channelId) as SentChannel;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.catch(() => {}).then(fn);
    this.lock = run;
    return run;
  }
}
