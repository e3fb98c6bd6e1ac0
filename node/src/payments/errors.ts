/**
 * Errors of the payments service. Callers and tests check `err.name`, which is stable.
 */

/** Base class: sets `name` from the subclass. */
export class PaymentsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration value is out of range; `field` names it. */
export class InvalidPaymentsConfigError extends PaymentsError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Why a voucher was refused. */
export type VoucherRejection =
  | "malformed"
  | "no-account"
  | "wrong-channel"
  | "unknown-channel"
  | "wrong-recipient"
  | "wrong-sender"
  | "channel-closed"
  | "bad-signature"
  | "above-deposit";

/** A voucher failed a check; nothing was credited or stored. */
export class VoucherRejectedError extends PaymentsError {
  readonly reason: VoucherRejection;
  constructor(reason: VoucherRejection, message: string) {
    super(`voucher refused (${reason}): ${message}`);
    this.reason = reason;
  }
}

/** An `account` message named an address or channel that cannot be used. */
export class InvalidAccountError extends PaymentsError {}

/** Opening or topping up a channel would take the node past its channel budget. */
export class ChannelBudgetExceededError extends PaymentsError {}

/** The service was used before `start()` or after `stop()`. */
export class PaymentsNotStartedError extends PaymentsError {}

/**
 * A provider's terms name a wallet that the registry does not bind to its peer id
 * (recipient-check.ts); nothing is opened or paid.
 */
export class RecipientMismatchError extends PaymentsError {}
