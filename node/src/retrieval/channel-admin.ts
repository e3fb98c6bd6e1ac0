/**
 * The operator's hand on the client's payment channels (`/api/v1/channels`, `cairn
 * channels`): open one with a chosen deposit, add to it, or ask to close it. The exchange's
 * `ChannelPayer` opens and tops up channels on its own as downloads need; this does the same
 * writes on request, through the same table, so both see one set of channels.
 *
 * Each write follows the payer's rule: the row is written before the transaction (an
 * `opening` row for a new channel) and reconciled with the chain after it, so a crash in
 * between leaves nothing the payer's `start()` cannot repair.
 */
import type { Address, Hash, Hex } from "viem";
import type { TransactionSender } from "../chain/types.ts";
import { paymentChannelsAbi } from "../generated/contracts.ts";
import type { Logger } from "../logging/index.ts";
import {
  type ChannelReader,
  type SentChannel,
  type SentChannelTable,
  sendChannelDeposit,
  sendOpenChannel,
} from "../payments/index.ts";
import { ChannelBudgetError, UnknownChannelError } from "./errors.ts";

export interface ChannelAdminComponents {
  /** The payer's table (`ChannelPayer.table`). */
  table: SentChannelTable;
  transactions: TransactionSender;
  channels: ChannelReader;
  logger: Logger;
}

export interface ChannelAdminInit {
  paymentChannels: Address;
  /** seconds between a close request and the refund, for channels opened here */
  closeDelay: number;
  /** The most wei kept in channels not closed (the payer's budget). @default no limit */
  budget?: bigint;
}

export interface ChannelWrite {
  channel: SentChannel;
  transactionHash: Hash;
}

export class ChannelAdmin {
  private readonly components: ChannelAdminComponents;
  private readonly init: ChannelAdminInit;

  constructor(components: ChannelAdminComponents, init: ChannelAdminInit) {
    this.components = components;
    this.init = init;
  }

  /** A channel this node opened, or `UnknownChannelError`. */
  get(channelId: Hex): SentChannel {
    const channel = this.components.table.get(channelId);
    if (channel === undefined || channel.sender.toLowerCase() !== this.sender.toLowerCase()) {
      throw new UnknownChannelError(channelId);
    }
    return channel;
  }

  async open(recipient: Address, deposit: bigint): Promise<ChannelWrite> {
    this.checkBudget(deposit);
    const { table, channels, transactions } = this.components;
    const channelId = (await channels.nextChannelId(this.sender)).toLowerCase() as Hex;
    table.insert({
      channelId,
      recipient,
      sender: this.sender,
      deposited: deposit,
      cumulativeSent: 0n,
      state: "opening",
    });
    let hash: Hash;
    try {
      ({ hash } = await sendOpenChannel(transactions, this.init.paymentChannels, {
        recipient,
        closeDelay: this.init.closeDelay,
        deposit,
      }));
    } catch (err) {
      await this.reconcile(channelId, true);
      throw err;
    }
    await this.reconcile(channelId, false);
    this.components.logger.info("payment channel opened on request", {
      channelId,
      recipient,
      deposit: deposit.toString(),
    });
    return { channel: this.get(channelId), transactionHash: hash };
  }

  async deposit(channelId: Hex, amount: bigint): Promise<ChannelWrite> {
    this.get(channelId);
    this.checkBudget(amount);
    try {
      const { hash } = await sendChannelDeposit(
        this.components.transactions,
        this.init.paymentChannels,
        channelId,
        amount,
      );
      return { channel: await this.reconcile(channelId, false), transactionHash: hash };
    } catch (err) {
      await this.reconcile(channelId, false).catch(() => {});
      throw err;
    }
  }

  /** `requestClose`: the deposit left comes back after the channel's close delay. */
  async requestClose(channelId: Hex): Promise<ChannelWrite> {
    this.get(channelId);
    const { hash } = await this.components.transactions.send(
      {
        address: this.init.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: "requestClose",
        args: [channelId],
      },
      { label: "requestCloseChannel" },
    );
    return { channel: await this.reconcile(channelId, false), transactionHash: hash };
  }

  private get sender(): Address {
    return this.components.transactions.address;
  }

  private checkBudget(extra: bigint): void {
    if (this.init.budget === undefined) return;
    const committed = this.components.table.committed();
    if (committed + extra > this.init.budget) {
      throw new ChannelBudgetError(
        `depositing ${extra} wei would lock ${committed + extra}, above the channel budget of ${this.init.budget}`,
      );
    }
  }

  /** Copies the chain's view of the channel into the table; drops a row the chain never saw. */
  private async reconcile(channelId: Hex, dropIfAbsent: boolean): Promise<SentChannel> {
    const info = await this.components.channels.readChannel(channelId);
    if (info.state === "none") {
      if (dropIfAbsent) this.components.table.delete(channelId);
      return this.get(channelId);
    }
    this.components.table.update(channelId, { deposited: info.deposited, state: info.state });
    return this.get(channelId);
  }
}
