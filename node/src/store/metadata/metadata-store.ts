import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../../logging/index.ts";
import { logger as defaultLogger } from "../../logging/index.ts";
import type { Startable } from "../../utils/startable.ts";
import { DEFAULT_BUSY_TIMEOUT_MS, MIGRATIONS_TABLE } from "./constants.ts";
import { DatasetTable } from "./datasets.ts";
import {
  AsyncTransactionError,
  InvalidMigrationsError,
  MetadataStoreNotStartedError,
  MigrationError,
  SchemaTooNewError,
  WalUnavailableError,
} from "./errors.ts";
import type { MetadataComponents, MetadataInit } from "./index.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import { backup, type Database, DatabaseSync } from "./sqlite.ts";

const IN_MEMORY = ":memory:";

function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new InvalidMigrationsError(`migration "${m.name}" has version ${m.version}, expected ${i + 1}`);
    }
  });
}

/**
 * The node's metadata database: SQLite through `node:sqlite`, in WAL mode with
 * `synchronous=FULL`.
 *
 * Why FULL: in WAL mode NORMAL already survives a process crash (kill -9), but a commit
 * can be lost on power failure. Some rows here stand for money (the latest voucher of a
 * channel must be on disk before the block it pays for counts as paid), and writes are
 * rare next to block writes, so every commit pays one WAL fsync.
 */
export class MetadataStore implements Startable {
  readonly datasets: DatasetTable;
  private readonly path: string;
  private readonly migrations: readonly Migration[];
  private readonly busyTimeoutMs: number;
  private readonly log: Logger;
  private db: Database | undefined;
  private savepoints = 0;

  constructor(components: MetadataComponents, init: MetadataInit) {
    this.path = init.path;
    this.migrations = init.migrations ?? MIGRATIONS;
    this.busyTimeoutMs = init.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.log = components.logger ?? defaultLogger("store:metadata");
    checkMigrations(this.migrations);
    this.datasets = new DatasetTable(this);
  }

  start(): void {
    if (this.db !== undefined) return;
    if (this.path !== IN_MEMORY) mkdirSync(dirname(this.path), { recursive: true });
    const db = new DatabaseSync(this.path, {
      timeout: this.busyTimeoutMs,
      enableForeignKeyConstraints: true,
    });
    try {
      if (this.path !== IN_MEMORY) {
        const { journal_mode: mode } = db.prepare("PRAGMA journal_mode = WAL").get() as {
          journal_mode: string;
        };
        if (mode !== "wal") {
          throw new WalUnavailableError(`${this.path}: SQLite could not enable WAL mode (got "${mode}")`);
        }
      }
      db.exec("PRAGMA synchronous = FULL");
      db.exec("PRAGMA foreign_keys = ON");
      this.db = db;
      this.migrate();
    } catch (err) {
      this.db = undefined;
      db.close();
      throw err;
    }
  }

  stop(): void {
    this.datasets.reset();
    this.db?.close();
    this.db = undefined;
  }

  /** The open connection, for services that keep their own tables (they add migrations). */
  get database(): Database {
    if (this.db === undefined) throw new MetadataStoreNotStartedError("the metadata store is not started");
    return this.db;
  }

  /**
   * Writes a consistent copy of the database to `path` while the node keeps running
   * (SQLite's online backup API, in steps, so writers are not blocked for long).
   * Copying `metadata.sqlite` with cp is not safe: recent commits live in the -wal file.
   */
  async backup(path: string): Promise<void> {
    await backup(this.database, path);
  }

  /** The highest applied migration. */
  get schemaVersion(): number {
    const row = this.database.prepare(`SELECT max(version) AS v FROM ${MIGRATIONS_TABLE}`).get() as {
      v: number | null;
    };
    return row.v ?? 0;
  }

  /**
   * Runs `fn` in a transaction: BEGIN IMMEDIATE (takes the write lock up front, so two
   * writers never deadlock on a lock upgrade) and COMMIT, or ROLLBACK if it throws. Nested
   * calls become savepoints. `fn` must be synchronous: DatabaseSync cannot keep a
   * transaction open across an await without other code slipping statements into it.
   */
  transaction<T>(fn: (db: Database) => T): T {
    const db = this.database;
    const nested = db.isTransaction;
    const savepoint = `sp_${this.savepoints}`;
    db.exec(nested ? `SAVEPOINT ${savepoint}` : "BEGIN IMMEDIATE");
    this.savepoints++;
    try {
      const result = fn(db);
      if (typeof (result as { then?: unknown } | null)?.then === "function") {
        (result as Promise<unknown>).catch(() => {});
        throw new AsyncTransactionError("a transaction callback must be synchronous (it returned a promise)");
      }
      db.exec(nested ? `RELEASE ${savepoint}` : "COMMIT");
      return result;
    } catch (err) {
      // SQLite rolls some failures (SQLITE_FULL, SQLITE_IOERR, ...) back by itself; then
      // there is nothing left to roll back, and the original error is the one to report.
      try {
        if (db.isTransaction) db.exec(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : "ROLLBACK");
      } catch (rollbackError) {
        this.log.error("rollback failed", { err: rollbackError, cause: err });
      }
      throw err;
    } finally {
      this.savepoints--;
    }
  }

  /**
   * Like `transaction`, but its commit does not wait for an fsync (`synchronous=NORMAL` for
   * this commit only): it survives a crash of the process, and a power failure can lose it.
   * For rows written so often that an fsync each would cost more than they are worth, and
   * whose loss in a power failure is bounded (a debt counted block by block, not yet covered
   * by a voucher). Inside another transaction it is part of that one, and as durable.
   */
  relaxedTransaction<T>(fn: (db: Database) => T): T {
    const db = this.database;
    if (db.isTransaction) return this.transaction(fn);
    db.exec("PRAGMA synchronous = NORMAL");
    try {
      return this.transaction(fn);
    } finally {
      db.exec("PRAGMA synchronous = FULL");
    }
  }

  private migrate(): void {
    const db = this.database;
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        version    INTEGER PRIMARY KEY,
        name       TEXT    NOT NULL,
        applied_at INTEGER NOT NULL -- unix time, ms
      ) STRICT`,
    );
    const current = this.schemaVersion;
    const latest = this.migrations.length;
    if (current > latest) {
      throw new SchemaTooNewError(
        `${this.path} has schema version ${current}, but this node knows only up to ${latest}; upgrade the node`,
      );
    }
    for (const migration of this.migrations.slice(current)) {
      try {
        this.transaction(() => {
          if (typeof migration.up === "string") db.exec(migration.up);
          else migration.up(db);
          db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`).run(
            migration.version,
            migration.name,
            Date.now(),
          );
          // Mirrors the version where generic SQLite tools look for it.
          db.exec(`PRAGMA user_version = ${migration.version}`);
        });
      } catch (err) {
        throw new MigrationError(
          `migration ${migration.version} (${migration.name}) failed: ${String(err)}`,
          {
            cause: err,
          },
        );
      }
      this.log.info("applied migration", { version: migration.version, name: migration.name });
    }
  }
}
