/**
 * A block is not in the store. The name matches interface-store's `NotFoundError`, which
 * Helia-style code checks for by `err.name`.
 */
export class NotFoundError extends Error {
  override name = "NotFoundError" as const;
}

/** A block's bytes do not hash to its CID: disk corruption, or a bad `put` without verify. */
export class BlockCorruptError extends Error {
  override name = "BlockCorruptError" as const;
}

/** A block is larger than the store's `maxBlockSize`. */
export class BlockTooLargeError extends Error {
  override name = "BlockTooLargeError" as const;
}

/** Verification asked for a multihash the store cannot compute (only sha2-256 and identity). */
export class UnsupportedHashError extends Error {
  override name = "UnsupportedHashError" as const;
}

/** The store was used before `start()` or after `stop()`. */
export class BlockstoreNotStartedError extends Error {
  override name = "BlockstoreNotStartedError" as const;
}

/** Another live process holds the store's lock file. */
export class BlockstoreLockedError extends Error {
  override name = "BlockstoreLockedError" as const;
}
