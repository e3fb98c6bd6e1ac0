/** The database was written by a newer node (its schema version is above every known migration). */
export class SchemaTooNewError extends Error {
  override name = "SchemaTooNewError" as const;
}

/** A migration failed; the database is left at the last version that applied cleanly. */
export class MigrationError extends Error {
  override name = "MigrationError" as const;
}

/** The migrations list is malformed (versions not 1, 2, 3, ...). A programming error. */
export class InvalidMigrationsError extends Error {
  override name = "InvalidMigrationsError" as const;
}

/** WAL mode could not be enabled (e.g. the data folder is on a network filesystem). */
export class WalUnavailableError extends Error {
  override name = "WalUnavailableError" as const;
}

/** A transaction callback returned a promise; DatabaseSync transactions must be synchronous. */
export class AsyncTransactionError extends Error {
  override name = "AsyncTransactionError" as const;
}

export class MetadataStoreNotStartedError extends Error {
  override name = "MetadataStoreNotStartedError" as const;
}

export class DatasetNotFoundError extends Error {
  override name = "DatasetNotFoundError" as const;
}

/** A dataset that backs a storage deal cannot be deleted. */
export class DatasetHeldForDealError extends Error {
  override name = "DatasetHeldForDealError" as const;
}
