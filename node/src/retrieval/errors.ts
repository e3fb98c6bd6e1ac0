/**
 * Errors of network retrieval. Callers and tests check `err.name`, which is stable.
 */

/** Base class: sets `name` from the subclass. */
export class RetrievalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No provider could be found for the CID, or none of those found had its root block. */
export class NotOnNetworkError extends RetrievalError {
  readonly cid: string;
  constructor(cid: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.cid = cid;
  }
}

/** A stripe could not be read: too few of its k + m blocks could be had from anyone. */
export class StripeUnrecoverableError extends RetrievalError {
  readonly stripe: number;
  constructor(stripe: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.stripe = stripe;
  }
}

/** A stripe rebuilt from parity does not hash to the data block CID its manifest names. */
export class RebuiltBlockMismatchError extends RetrievalError {}

/** A channel id this node did not open. */
export class UnknownChannelError extends RetrievalError {
  readonly channelId: string;
  constructor(channelId: string) {
    super(`no channel ${channelId} opened by this node`);
    this.channelId = channelId;
  }
}

/** Opening or topping up would lock more than the node's channel budget. */
export class ChannelBudgetError extends RetrievalError {}
