/**
 * The client's channel transactions. The exchange's `ChannelPayer` sends them on its own as
 * downloads need, and the operator's `ChannelAdmin` on request: one definition keeps the two
 * from drifting apart (the same call, the same label in logs and metrics).
 */
import type { Address, Hex } from "viem";
import type { SentTransaction, TransactionSender } from "../chain/types.ts";
import { paymentChannelsAbi } from "../generated/contracts.ts";

/** `open(recipient, closeDelay)` with `deposit` wei; the channel gets the sender's `nextChannelId`. */
export function sendOpenChannel(
  transactions: TransactionSender,
  paymentChannels: Address,
  channel: { recipient: Address; closeDelay: number; deposit: bigint },
): Promise<SentTransaction> {
  return transactions.send(
    {
      address: paymentChannels,
      abi: paymentChannelsAbi,
      functionName: "open",
      args: [channel.recipient, channel.closeDelay],
      value: channel.deposit,
    },
    { label: "openChannel" },
  );
}

/** `deposit(channelId)` with `amount` wei more. */
export function sendChannelDeposit(
  transactions: TransactionSender,
  paymentChannels: Address,
  channelId: Hex,
  amount: bigint,
): Promise<SentTransaction> {
  return transactions.send(
    {
      address: paymentChannels,
      abi: paymentChannelsAbi,
      functionName: "deposit",
      args: [channelId],
      value: amount,
    },
    { label: "depositChannel" },
  );
}
