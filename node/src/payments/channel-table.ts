/**
 * Client side: the channels this node opened (`payment_channels_sent`). The highest
 * cumulative amount is written before the voucher that carries it is signed and sent, so
 * after a crash the next voucher continues from it: a provider may be owed a little that
 * it never received a voucher for, but nothing is ever signed twice for the same debt.
 */
import { type Address, getAddress, type Hex } from "viem";
import type { MetadataStore } from "../store/metadata/index.ts";

export type SentChannelState = "opening" | "open" | "closing" | "closed";

export interface SentChannel {
  channelId: Hex;
  recipient: Address;
  sender: Address;
  deposited: bigint;
  cumulativeSent: bigint;
  state: SentChannelState;
}

interface Row {
  channel_id: string;
  recipient: string;
  sender: string;
  deposited: string;
  cumulative_sent: string;
  state: SentChannelState;
}

function fromRow(row: Row): SentChannel {
  return {
    channelId: row.channel_id as Hex,
    recipient: getAddress(row.recipient),
    sender: getAddress(row.sender),
    deposited: BigInt(row.deposited),
    cumulativeSent: BigInt(row.cumulative_sent),
    state: row.state,
  };
}

export class SentChannelTable {
  private readonly metadata: MetadataStore;

  constructor(metadata: MetadataStore) {
    this.metadata = metadata;
  }

  get(channelId: Hex): SentChannel | undefined {
    const row = this.metadata.database
      .prepare("SELECT * FROM payment_channels_sent WHERE channel_id = ?")
      .get(channelId.toLowerCase()) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Our open channel to `recipient` from `sender`, if any (the newest one). */
  openTo(sender: Address, recipient: Address): SentChannel | undefined {
    const row = this.metadata.database
      .prepare(
        `SELECT * FROM payment_channels_sent WHERE recipient = ? AND sender = ? AND state = 'open'
         ORDER BY created_at DESC LIMIT 1`,
      )
      .get(getAddress(recipient), getAddress(sender)) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Channels not yet closed, including ones whose opening transaction may not have landed. */
  live(): SentChannel[] {
    const rows = this.metadata.database
      .prepare("SELECT * FROM payment_channels_sent WHERE state != 'closed'")
      .all() as unknown as Row[];
    return rows.map(fromRow);
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
