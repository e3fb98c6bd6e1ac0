/**
 * Provider side: the latest voucher of each channel that pays us (`payment_vouchers_received`).
 * `save` commits before it returns (synchronous=FULL), which is what lets the caller count
 * the blocks the voucher pays for as paid.
 */
import { type Address, getAddress, type Hex } from "viem";
import type { MetadataStore } from "../store/metadata/index.ts";
import { type ChannelRow, ChannelRows, channelColumns } from "./channel-rows.ts";

export interface ReceivedVoucher {
  channelId: Hex;
  sender: Address;
  peerId: string;
  cumulativeAmount: bigint;
  signature: Hex;
  /** wei the contract has paid us on this channel. */
  settledAmount: bigint;
  closed: boolean;
  /** unix time, ms */
  updatedAt: number;
}

interface Row extends ChannelRow {
  peer_id: string;
  cumulative_amount: string;
  signature: string;
  settled_amount: string;
  closed: number;
  updated_at: number;
}

function fromRow(row: Row): ReceivedVoucher {
  return {
    ...channelColumns(row),
    peerId: row.peer_id,
    cumulativeAmount: BigInt(row.cumulative_amount),
    signature: row.signature as Hex,
    settledAmount: BigInt(row.settled_amount),
    closed: row.closed === 1,
    updatedAt: row.updated_at,
  };
}

export class ReceivedVoucherTable extends ChannelRows<Row, ReceivedVoucher> {
  constructor(metadata: MetadataStore) {
    super(metadata, "payment_vouchers_received", fromRow);
  }

  /** Vouchers holding value not yet cashed on-chain, on channels not known to be closed. */
  unsettled(): ReceivedVoucher[] {
    return this.select("closed = 0").filter((v) => v.cumulativeAmount > v.settledAmount);
  }

  /**
   * Stores a newer voucher, but only if it is higher than the stored one: the check and
   * the write are one transaction, so two racing vouchers cannot store the lower one last.
   * Returns the previous total (0 for a new channel), or undefined when not higher.
   */
  saveIfHigher(voucher: Omit<ReceivedVoucher, "settledAmount" | "closed" | "updatedAt">): bigint | undefined {
    return this.metadata.transaction((db) => {
      const previous = this.get(voucher.channelId);
      const before = previous?.cumulativeAmount ?? 0n;
      if (voucher.cumulativeAmount <= before) return undefined;
      db.prepare(
        `INSERT INTO payment_vouchers_received
           (channel_id, sender, peer_id, cumulative_amount, signature, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET
           peer_id = excluded.peer_id, cumulative_amount = excluded.cumulative_amount,
           signature = excluded.signature, updated_at = excluded.updated_at`,
      ).run(
        voucher.channelId.toLowerCase(),
        getAddress(voucher.sender),
        voucher.peerId,
        voucher.cumulativeAmount.toString(),
        voucher.signature,
        Date.now(),
      );
      return before;
    });
  }

  /** Records what the contract has paid us, and whether the channel is now closed. */
  markSettled(channelId: Hex, settledAmount: bigint, closed: boolean): void {
    this.metadata.database
      .prepare(
        "UPDATE payment_vouchers_received SET settled_amount = ?, closed = ?, updated_at = ? WHERE channel_id = ?",
      )
      .run(settledAmount.toString(), closed ? 1 : 0, Date.now(), channelId.toLowerCase());
  }
}
