/**
 * Client side: the channels this node opened (`payment_channels_sent`). The highest
 * cumulative amount is written before the voucher that carries it is signed and sent, so
 * after a crash the next voucher continues from it: a provider may be owed a little that
 * it never received a voucher for, but nothing is ever signed twice for the same debt.
 */
import { type Address, getAddress, type Hex } from "viem";
import type { MetadataStore } from "../store/metadata/index.ts";
import { type ChannelRow, ChannelRows, channelColumns } from "./channel-rows.ts";

export type SentChannelState = "opening" | "open" | "closing" | "closed";

export interface SentChannel {
  channelId: Hex;
  recipient: Address;
  sender: Address;
  deposited: bigint;
  cumulativeSent: bigint;
  state: SentChannelState;
}

interface Row extends ChannelRow {
  recipient: string;
  deposited: string;
  cumulative_sent: string;
  state: SentChannelState;
}

function fromRow(row: Row): SentChannel {
  return {
    ...channelColumns(row),
    recipient: getAddress(row.recipient),
    deposited: BigInt(row.deposited),
    cumulativeSent: BigInt(row.cumulative_sent),
    state: row.state,
  };
}

export class SentChannelTable extends ChannelRows<Row, SentChannel> {
  constructor(metadata: MetadataStore) {
    super(metadata, "payment_channels_sent", fromRow);
  }

  /** Our open channel to `recipient` from `sender`, if any (the newest one). */
  openTo(sender: Address, recipient: Address): SentChannel | undefined {
    return this.select(
      "recipient = ? AND sender = ? AND state = 'open' ORDER BY created_at DESC LIMIT 1",
      getAddress(recipient),
      getAddress(sender),
    )[0];
  }

  /** Channels not yet closed, including ones whose opening transaction may not have landed. */
  live(): SentChannel[] {
    return this.select("state != 'closed'");
  }

  /** wei locked in channels not closed: what counts against the budget. */
  committed(): bigint {
    return this.live().reduce((sum, c) => sum + c.deposited, 0n);
  }

  insert(channel: SentChannel): void {
    const now = Date.now();
    this.metadata.database
      .prepare(
        `INSERT INTO payment_channels_sent
           (channel_id, recipient, sender, deposited, cumulative_sent, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        channel.channelId.toLowerCase(),
        getAddress(channel.recipient),
        getAddress(channel.sender),
        channel.deposited.toString(),
        channel.cumulativeSent.toString(),
        channel.state,
        now,
        now,
      );
  }

  update(channelId: Hex, fields: Partial<Pick<SentChannel, "deposited" | "cumulativeSent" | "state">>): void {
    const current = this.get(channelId);
    if (current === undefined) return;
    const next = { ...current, ...fields };
    this.metadata.database
      .prepare(
        `UPDATE payment_channels_sent SET deposited = ?, cumulative_sent = ?, state = ?, updated_at = ?
         WHERE channel_id = ?`,
      )
      .run(
        next.deposited.toString(),
        next.cumulativeSent.toString(),
        next.state,
        Date.now(),
        channelId.toLowerCase(),
      );
  }

  delete(channelId: Hex): void {
    this.metadata.database
      .prepare("DELETE FROM payment_channels_sent WHERE channel_id = ?")
      .run(channelId.toLowerCase());
  }
}
