import type { Hash } from "viem";
import type { MetadataStore, StatementSync } from "../store/metadata/index.ts";

export interface BlockRef {
  number: bigint;
  hash: Hash;
}

/**
 * The watcher's rows in SQLite (schema.ts): its cursor, its checkpoints and the keys of
 * the events it delivered. Every method runs in the caller's transaction if there is one.
 */
export class CursorStore {
  readonly #store: MetadataStore;
  readonly #watcher: string;
  readonly #statements = new Map<string, StatementSync>();

  constructor(store: MetadataStore, watcher: string) {
    this.#store = store;
    this.#watcher = watcher;
  }

  cursor(): BlockRef | undefined {
    const row = this.#statement("SELECT block_number, block_hash FROM chain_cursors WHERE watcher = ?").get(
      this.#watcher,
    ) as { block_number: number; block_hash: Hash } | undefined;
    return row === undefined ? undefined : { number: BigInt(row.block_number), hash: row.block_hash };
  }

  /** Moves the cursor and records the position as a checkpoint; drops checkpoints beyond `keep`. */
  setCursor(ref: BlockRef, keepCheckpoints: number): void {
    this.#statement(
      `INSERT INTO chain_cursors (watcher, block_number, block_hash) VALUES (?, ?, ?)
       ON CONFLICT (watcher) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash`,
    ).run(this.#watcher, ref.number, ref.hash);
    this.#statement(
      "INSERT OR REPLACE INTO chain_checkpoints (watcher, block_number, block_hash) VALUES (?, ?, ?)",
    ).run(this.#watcher, ref.number, ref.hash);
    this.#statement(
      `DELETE FROM chain_checkpoints WHERE watcher = ? AND block_number NOT IN
         (SELECT block_number FROM chain_checkpoints WHERE watcher = ? ORDER BY block_number DESC LIMIT ?)`,
    ).run(this.#watcher, this.#watcher, keepCheckpoints);
  }

  /** Rewinds to `ref` (or to nothing, a scan from the start) after a reorg; later checkpoints go. */
  rewind(ref: BlockRef | undefined): void {
    if (ref === undefined) {
      this.#statement("DELETE FROM chain_cursors WHERE watcher = ?").run(this.#watcher);
      this.#statement("DELETE FROM chain_checkpoints WHERE watcher = ?").run(this.#watcher);
      return;
    }
    this.#statement("UPDATE chain_cursors SET block_number = ?, block_hash = ? WHERE watcher = ?").run(
      ref.number,
      ref.hash,
      this.#watcher,
    );
    this.#statement("DELETE FROM chain_checkpoints WHERE watcher = ? AND block_number > ?").run(
      this.#watcher,
      ref.number,
    );
  }

  /** Checkpoints below `below`, newest first. */
  checkpoints(below: bigint): BlockRef[] {
    const rows = this.#statement(
      "SELECT block_number, block_hash FROM chain_checkpoints WHERE watcher = ? AND block_number < ? ORDER BY block_number DESC",
    ).all(this.#watcher, below) as Array<{ block_number: number; block_hash: Hash }>;
    return rows.map((row) => ({ number: BigInt(row.block_number), hash: row.block_hash }));
  }

  isHandled(blockHash: Hash, logIndex: number): boolean {
    return (
      this.#statement(
        "SELECT 1 FROM chain_handled_events WHERE watcher = ? AND block_hash = ? AND log_index = ?",
      ).get(this.#watcher, blockHash, logIndex) !== undefined
    );
  }

  markHandled(blockHash: Hash, logIndex: number, blockNumber: bigint): void {
    this.#statement(
      "INSERT INTO chain_handled_events (watcher, block_hash, log_index, block_number) VALUES (?, ?, ?, ?)",
    ).run(this.#watcher, blockHash, logIndex, blockNumber);
  }

  /** Drops handled-event keys of blocks below `below`, which no re-scan reaches again. */
  pruneHandled(below: bigint): void {
    this.#statement("DELETE FROM chain_handled_events WHERE watcher = ? AND block_number < ?").run(
      this.#watcher,
      below,
    );
  }

  /** Forgets cached statements (the connection is closing). */
  reset(): void {
    this.#statements.clear();
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#store.database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
