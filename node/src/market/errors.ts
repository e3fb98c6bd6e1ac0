/** A held slot's row is missing or malformed. */
export class HeldSlotNotFoundError extends Error {
  override name = "HeldSlotNotFoundError" as const;
}

/** A held slot's description does not add up (block count, sizes, root length). */
export class InvalidHeldSlotError extends Error {
  override name = "InvalidHeldSlotError" as const;
  readonly field: string;

  constructor(field: string, message: string) {
    super(`held slot ${field}: ${message}`);
    this.field = field;
  }
}

/** The local data of a slot cannot prove it (a block is missing or does not match its root). */
export class SlotDataError extends Error {
  override name = "SlotDataError" as const;
}
