/**
 * Errors of the block exchange. Callers and tests check `err.name`, which is stable.
 */

/** A frame's length prefix is larger than the receiver's maximum message size. */
export class MessageTooLargeError extends Error {
  override name = "MessageTooLargeError" as const;
}

/** A frame is not a valid length-prefixed protobuf `Message`. */
export class InvalidMessageError extends Error {
  override name = "InvalidMessageError" as const;
}

/** No complete message arrived within the per-message timeout. */
export class MessageTimeoutError extends Error {
  override name = "MessageTimeoutError" as const;
}

/** The stream ended in the middle of a frame. */
export class TruncatedMessageError extends Error {
  override name = "TruncatedMessageError" as const;
}

/** A received block does not hash to the CID it claims; it is dropped, never stored. */
export class InvalidBlockError extends Error {
  override name = "InvalidBlockError" as const;
}

/** The provider answered DontHave, or a session gave up waiting for the block. */
export class BlockNotFoundError extends Error {
  override name = "BlockNotFoundError" as const;
}

/** The exchange was used before `start()` or after `stop()`. */
export class ExchangeNotStartedError extends Error {
  override name = "ExchangeNotStartedError" as const;
}

/** The provider quotes more per block than the session's `maxPrice`. */
export class PriceTooHighError extends Error {
  override name = "PriceTooHighError" as const;
}

/** The session ended (closed by us, the provider, or an error) with requests pending. */
export class SessionClosedError extends Error {
  override name = "SessionClosedError" as const;
}

/** A peer stayed past its credit without paying; the provider cut it off. */
export class PaymentRequiredError extends Error {
  override name = "PaymentRequiredError" as const;
}

/** A provider charges for blocks and this node has no payer to pay it with. */
export class NoPayerError extends Error {
  override name = "NoPayerError" as const;
}

/** A download could not get a block from any provider. */
export class NoProvidersError extends Error {
  override name = "NoProvidersError" as const;
}
