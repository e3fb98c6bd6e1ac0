/**
 * Purchasing's errors. Each has a stable `name`; the REST API maps them to statuses
 * (storage.ts) and callers check `err.name`.
 */

/** A purchase input is out of range or malformed; `field` names it (400). */
export class PurchaseInputError extends Error {
  override name = "PurchaseInputError" as const;
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** The CID is not a dataset this node stores, or not an erasure-coded one (404/400). */
export class UnknownDatasetError extends Error {
  override name = "UnknownDatasetError" as const;
  readonly field = "cid";
}

/** Fewer providers can take a slot on these terms than the request has slots (422). */
export class NotEnoughProvidersError extends Error {
  override name = "NotEnoughProvidersError" as const;
  readonly needed: number;
  readonly excluded: readonly { address: string; reason: string }[];
  constructor(needed: number, eligible: number, excluded: readonly { address: string; reason: string }[]) {
    const reasons = excluded.map((e) => `${e.address}: ${e.reason}`).join("; ");
    super(
      `${needed} providers are needed but only ${eligible} can take a slot on these terms` +
        (reasons === "" ? "" : ` (excluded: ${reasons})`),
    );
    this.needed = needed;
    this.excluded = excluded;
  }
}

/** The provider list is not known yet (the directory is still syncing); try again (503). */
export class ProvidersNotReadyError extends Error {
  override name = "ProvidersNotReadyError" as const;
}

/** No purchase has this request id (404). */
export class PurchaseNotFoundError extends Error {
  override name = "PurchaseNotFoundError" as const;
}

/** The purchase cannot do this in its state, e.g. withdraw before the request ended (409). */
export class PurchaseStateError extends Error {
  override name = "PurchaseStateError" as const;
}

/** A provider refused or failed a slot push; `status` is its HTTP status when it answered. */
export class SlotPushError extends Error {
  override name = "SlotPushError" as const;
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** The service was used before `start()` or after `stop()`. */
export class PurchasingStoppedError extends Error {
  override name = "PurchasingStoppedError" as const;
}
