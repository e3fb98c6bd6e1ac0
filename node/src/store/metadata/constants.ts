/** The metadata database's file name inside the data folder. */
export const METADATA_FILE = "metadata.sqlite";

/** How long a write waits for another connection's lock before failing, in ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** The table that records applied migrations. */
export const MIGRATIONS_TABLE = "schema_migrations";
