/**
 * The sales side's errors. Each has a stable `name`; the slot routes map them to HTTP
 * statuses (api/routes/slots.ts), the agent records them as the reason a slot was not taken.
 */

/** Why a slot cannot be taken by this node now. */
export type SlotRefusal =
  /** No request has this id. */
  | "unknown-request"
  /** The request has no slot with this index. */
  | "unknown-slot"
  /** The request takes no fills (it started, ended, failed or was cancelled). */
  | "request-not-open"
  /** The slot has a host, or was collected. */
  | "slot-not-free"
  /** The slot is designated to another provider. */
  | "designated-to-other"
  /** The node's availability policy declines it (reason in the message). */
  | "declined-by-policy"
  /** This node already holds (or is filling) the slot. */
  | "already-held";

/** The slot is not this node's to fill, or not now; `reason` says why. */
export class SlotRefusedError extends Error {
  override name = "SlotRefusedError" as const;
  readonly reason: SlotRefusal;

  constructor(reason: SlotRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Another upload or rebuild of the same slot is under way on this node. */
export class SlotBusyError extends Error {
  override name = "SlotBusyError" as const;
}

/** The slot's data is longer than the request's slot size. */
export class SlotTooLargeError extends Error {
  override name = "SlotTooLargeError" as const;
  readonly slotSize: number;

  constructor(slotSize: number) {
    super(`the slot's data is over its size of ${slotSize} bytes`);
    this.slotSize = slotSize;
  }
}

/** The slot's data ended before the request's slot size. */
export class SlotTooShortError extends Error {
  override name = "SlotTooShortError" as const;

  constructor(received: number, slotSize: number) {
    super(`the slot's data ended after ${received} bytes; the slot is ${slotSize} bytes`);
  }
}

/** The data's cell-tree root is not the slot's on-chain root; nothing of it was kept. */
export class SlotRootMismatchError extends Error {
  override name = "SlotRootMismatchError" as const;
  readonly computed: string;
  readonly expected: string;

  constructor(computed: string, expected: string) {
    super(`the data's slot root ${computed} is not the on-chain slot root ${expected}`);
    this.computed = computed;
    this.expected = expected;
  }
}

/**
 * The market refused the fill (its simulation reverted with `errorName`); nothing was sent
 * or it reverted. The slot is not held.
 */
export class SlotFillRefusedError extends Error {
  override name = "SlotFillRefusedError" as const;
  readonly errorName: string;

  constructor(errorName: string, message: string) {
    super(message);
    this.errorName = errorName;
  }
}

/** The fill did not get mined in any of its attempts (periods passed, deadlines missed). */
export class SlotFillTimeoutError extends Error {
  override name = "SlotFillTimeoutError" as const;
}

/** Not enough other slots could be fetched to rebuild this one. */
export class SlotFetchError extends Error {
  override name = "SlotFetchError" as const;
}

/** A policy value is out of range (a config error). */
export class InvalidSalesOptionError extends Error {
  override name = "InvalidSalesOptionError" as const;
  readonly field: string;

  constructor(field: string, message: string) {
    super(`sales.${field}: ${message}`);
    this.field = field;
  }
}

/** The sales service was used before `start()` or after `stop()`. */
export class SalesNotStartedError extends Error {
  override name = "SalesNotStartedError" as const;
}
