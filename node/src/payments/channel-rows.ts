/**
 * What the payments tables share: one row per channel, keyed by its channel id (stored
 * lowercase), read back through the table's own row mapping.
 */
import type { SQLInputValue } from "node:sqlite";
import { type Address, getAddress, type Hex } from "viem";
import type { MetadataStore } from "../store/metadata/index.ts";

/** The columns every payments table has. */
export interface ChannelRow {
  channel_id: string;
  sender: string;
}

/** Those columns as the node reads them: the channel id, and the payer's checksummed address. */
export function channelColumns(row: ChannelRow): { channelId: Hex; sender: Address } {
  return { channelId: row.channel_id as Hex, sender: getAddress(row.sender) };
}

export abstract class ChannelRows<Row extends ChannelRow, Entry> {
  protected readonly metadata: MetadataStore;
  readonly #table: string;
  readonly #fromRow: (row: Row) => Entry;

  protected constructor(metadata: MetadataStore, table: string, fromRow: (row: Row) => Entry) {
    this.metadata = metadata;
    this.#table = table;
    this.#fromRow = fromRow;
  }

  get(channelId: Hex): Entry | undefined {
    return this.select("channel_id = ?", channelId.toLowerCase())[0];
  }

  /** The rows matching `where` (an SQL condition, optionally with ORDER BY and LIMIT), mapped. */
  protected select(where: string, ...params: SQLInputValue[]): Entry[] {
    const rows = this.metadata.database
      .prepare(`SELECT * FROM ${this.#table} WHERE ${where}`)
      .all(...params) as unknown as Row[];
    return rows.map(this.#fromRow);
  }
}
