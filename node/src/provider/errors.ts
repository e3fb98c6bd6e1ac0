/** A provider command's input is out of range; `field` names it. */
export class ProviderInputError extends Error {
  override name = "ProviderInputError" as const;
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/**
 * A slot `cairn provider collect` was asked for cannot be collected: another provider
 * holds it (or nobody does), or its request has not ended yet.
 */
export class SlotNotCollectableError extends Error {
  override name = "SlotNotCollectableError" as const;
  readonly slotId: string;
  readonly reason: "not-host" | "not-ended";
  constructor(slotId: string, reason: "not-host" | "not-ended", message: string) {
    super(message);
    this.slotId = slotId;
    this.reason = reason;
  }
}

/** The provider admin was built without a slot collector (only the daemon's has one). */
export class CollectorMissingError extends Error {
  override name = "CollectorMissingError" as const;
}
