/** Errors of discovery and the provider directory. Callers and tests check `err.name`, which is stable. */

/** A value given as a CID is not one. */
export class InvalidCidError extends Error {
  override name = "InvalidCidError" as const;
}

/** Options out of their bounds. */
export class InvalidDiscoveryConfigError extends Error {
  override name = "InvalidDiscoveryConfigError" as const;
}

/** `provide` or `findProviders` was called while the service is stopped. */
export class DiscoveryNotStartedError extends Error {
  override name = "DiscoveryNotStartedError" as const;
}

/** A lookup argument (an address, a peer id, a filter) is malformed. */
export class InvalidLookupError extends Error {
  override name = "InvalidLookupError" as const;
}

/** Reading registry logs from the chain failed; the sync retries at its next poll. */
export class RegistrySyncError extends Error {
  override name = "RegistrySyncError" as const;
}
