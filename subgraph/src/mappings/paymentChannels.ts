/** PaymentChannels' events: channels from open to close, and each settled voucher. */
import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  ChannelCloseRequested,
  ChannelClosed,
  ChannelDeposited,
  ChannelOpened,
  ChannelSettled,
} from "../../generated/PaymentChannels/PaymentChannels";
import { ChannelSettlement, PaymentChannel } from "../../generated/schema";
import { createOrLoadMarketDayStats, createOrLoadMarketStats, eventId } from "./helpers";

function loadChannel(id: Bytes): PaymentChannel {
  const channel = PaymentChannel.load(id);
  if (channel == null) throw new Error("unknown channel " + id.toHexString());
  return channel;
}

export function handleChannelOpened(event: ChannelOpened): void {
  const params = event.params;
  const channel = new PaymentChannel(params.channelId);
  channel.sender = params.sender;
  channel.recipient = params.recipient;
  channel.state = "Open";
  channel.deposited = params.deposit;
  channel.paid = BigInt.zero();
  channel.closeDelay = params.closeDelay;
  channel.openedAt = event.block.timestamp;
  channel.transactionHash = event.transaction.hash;
  channel.save();

  const stats = createOrLoadMarketStats(event);
  stats.channels += 1;
  stats.totalChannelDeposits = stats.totalChannelDeposits.plus(params.deposit);
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.channelsOpened += 1;
  day.save();
}

export function handleChannelDeposited(event: ChannelDeposited): void {
  const channel = loadChannel(event.params.channelId);
  channel.deposited = event.params.deposited;
  channel.save();

  const stats = createOrLoadMarketStats(event);
  stats.totalChannelDeposits = stats.totalChannelDeposits.plus(event.params.amount);
  stats.save();
}

export function handleChannelSettled(event: ChannelSettled): void {
  const channel = loadChannel(event.params.channelId);
  channel.paid = event.params.paid;
  channel.save();

  const settlement = new ChannelSettlement(eventId(event));
  settlement.channel = channel.id;
  settlement.payout = event.params.payout;
  settlement.paid = event.params.paid;
  settlement.blockNumber = event.block.number;
  settlement.timestamp = event.block.timestamp;
  settlement.transactionHash = event.transaction.hash;
  settlement.save();

  const stats = createOrLoadMarketStats(event);
  stats.totalChannelPayouts = stats.totalChannelPayouts.plus(event.params.payout);
  stats.save();
  const day = createOrLoadMarketDayStats(event);
  day.channelPayouts = day.channelPayouts.plus(event.params.payout);
  day.save();
}

export function handleChannelCloseRequested(event: ChannelCloseRequested): void {
  const channel = loadChannel(event.params.channelId);
  channel.state = "Closing";
  channel.closesAt = event.params.closesAt;
  channel.save();
}

export function handleChannelClosed(event: ChannelClosed): void {
  const channel = loadChannel(event.params.channelId);
  channel.state = "Closed";
  channel.refund = event.params.refund;
  channel.closedAt = event.block.timestamp;
  channel.save();
}
