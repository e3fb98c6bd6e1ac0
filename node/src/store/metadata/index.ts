/**
 * The node's metadata: SQLite (`node:sqlite`, no native build) in WAL mode with
 * synchronous=FULL, a versioned migration list, a transaction helper, and the tables
 * for datasets. Services that need their own tables append a migration to
 * `MIGRATIONS` and use `metadata.database` / `metadata.transaction`.
 */
import type { Logger } from "../../logging/index.ts";
import type { Migration } from "./migrations.ts";
import { MetadataStore } from "./metadata-store.ts";

export * from "./constants.ts";
export type { Dataset, DatasetTable, NewDataset } from "./datasets.ts";
export * from "./errors.ts";
export { MIGRATIONS, type Migration } from "./migrations.ts";
export { type Database, isSqliteExperimentalWarning, type StatementSync } from "./sqlite.ts";
export { MetadataStore };

export interface MetadataInit {
  /** The database file, normally `<dataDir>/metadata.sqlite`; `:memory:` for tests. */
  path: string;
  /** @default MIGRATIONS */
  migrations?: readonly Migration[];
  /** @default DEFAULT_BUSY_TIMEOUT_MS (5000) */
  busyTimeoutMs?: number;
}

export interface MetadataComponents {
  /** @default logger("store:metadata") */
  logger?: Logger;
}

export function createMetadataStore(components: MetadataComponents, init: MetadataInit): MetadataStore {
  return new MetadataStore(components, init);
}
