/**
 * The embedded entity store: SQLite (node:sqlite) with graph-node's versioning idea.
 * Every write closes the entity's current version at the block and opens a new one, so
 * reverting to block B (a reorg) deletes versions opened after B and reopens the ones
 * closed after B. `blocks` keeps the hash of each block the indexer committed, which is
 * how it finds the fork point; `meta` says what deployment the data belongs to.
 */
// node:sqlite through the node's loader, which drops the one ExperimentalWarning it prints.
import { type Database, DatabaseSync } from "@cairn/node/sqlite";
import { type Entity, entityFromJson, entityToJson } from "./values.ts";

export interface BlockPointer {
  number: number;
  hash: `0x${string}`;
  timestamp: number;
}

/** One block's entity changes: an entity to write, or null to remove. */
export type BlockChanges = Map<string, { entityType: string; id: string; entity: Entity | null }>;

export class EntityStore {
  private readonly db: Database;

  /** `path` is a file, or ":memory:" for tests. */
  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS entities (
        type TEXT NOT NULL, id TEXT NOT NULL,
        block_start INTEGER NOT NULL, block_end INTEGER,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS entities_current ON entities (type, id) WHERE block_end IS NULL;
      CREATE INDEX IF NOT EXISTS entities_start ON entities (block_start);
      CREATE INDEX IF NOT EXISTS entities_end ON entities (block_end);
      CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL, timestamp INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }

  /** Drops everything: for a different deployment or schema than the data was indexed for. */
  reset(): void {
    this.db.exec("DELETE FROM entities; DELETE FROM blocks; DELETE FROM meta;");
  }

  get(entityType: string, id: string): Entity | undefined {
    const row = this.db
      .prepare("SELECT data FROM entities WHERE type = ? AND id = ? AND block_end IS NULL")
      .get(entityType, id) as { data: string } | undefined;
    return row === undefined ? undefined : entityFromJson(row.data);
  }

  /** Every current entity of `entityType`. */
  all(entityType: string): Entity[] {
    const rows = this.db
      .prepare("SELECT data FROM entities WHERE type = ? AND block_end IS NULL")
      .all(entityType) as { data: string }[];
    return rows.map((row) => entityFromJson(row.data));
  }

  /** The newest committed block. */
  head(): BlockPointer | undefined {
    const row = this.db
      .prepare("SELECT number, hash, timestamp FROM blocks ORDER BY number DESC LIMIT 1")
      .get() as { number: number; hash: `0x${string}`; timestamp: number } | undefined;
    return row === undefined ? undefined : { ...row };
  }

  /** Committed blocks, newest first, for finding a fork point. */
  blocksDescending(limit: number): BlockPointer[] {
    return (
      this.db
        .prepare("SELECT number, hash, timestamp FROM blocks ORDER BY number DESC LIMIT ?")
        .all(limit) as {
        number: number;
        hash: `0x${string}`;
        timestamp: number;
      }[]
    ).map((row) => ({ ...row }));
  }

  /** Writes a block's changes and moves the head to it, atomically. */
  commit(block: BlockPointer, changes: BlockChanges): void {
    const close = this.db.prepare(
      "UPDATE entities SET block_end = ? WHERE type = ? AND id = ? AND block_end IS NULL",
    );
    const insert = this.db.prepare(
      "INSERT INTO entities (type, id, block_start, block_end, data) VALUES (?, ?, ?, NULL, ?)",
    );
    this.db.exec("BEGIN");
    try {
      for (const { entityType, id, entity } of changes.values()) {
        close.run(block.number, entityType, id);
        if (entity !== null) insert.run(entityType, id, block.number, entityToJson(entity));
      }
      this.db
        .prepare(
          "INSERT INTO blocks (number, hash, timestamp) VALUES (?, ?, ?) ON CONFLICT(number) DO UPDATE SET hash = excluded.hash, timestamp = excluded.timestamp",
        )
        .run(block.number, block.hash, block.timestamp);
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Undoes every block after `number` (a reorg's fork point). */
  revertTo(number: number): void {
    this.db.exec("BEGIN");
    try {
      this.db.prepare("DELETE FROM entities WHERE block_start > ?").run(number);
      this.db.prepare("UPDATE entities SET block_end = NULL WHERE block_end > ?").run(number);
      this.db.prepare("DELETE FROM blocks WHERE number > ?").run(number);
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }
}
