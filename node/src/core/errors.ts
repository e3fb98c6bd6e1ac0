/**
 * The core's errors. Each has a stable `name`, so callers and tests check `err.name`
 * rather than messages.
 */

/** Base class: sets `name` from the subclass. */
export class CairnCoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A parameter is out of range or of the wrong shape; `field` names it. */
export class InvalidParameterError extends CairnCoreError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Fewer than k shards of a stripe are present, so it cannot be rebuilt. */
export class NotEnoughShardsError extends CairnCoreError {
  readonly present: number;
  readonly required: number;
  constructor(present: number, required: number) {
    super(`only ${present} of the ${required} shards needed to rebuild are present`);
    this.present = present;
    this.required = required;
  }
}

/** The erasure codec refused its input (its result code is kept). */
export class ErasureCodecError extends CairnCoreError {
  readonly code: number;
  constructor(code: number, operation: string) {
    super(`Reed-Solomon ${operation} failed with code ${code}`);
    this.code = code;
  }
}

/** A dataset manifest does not decode or does not validate; `field` names the bad field. */
export class InvalidManifestError extends CairnCoreError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`manifest ${field}: ${message}`);
    this.field = field;
  }
}

/** Encrypted data that is not in the Cairn encryption format (bad magic, version or framing). */
export class EncryptionFormatError extends CairnCoreError {}

/**
 * A segment failed authentication: the key is wrong or the data was altered, truncated or
 * reordered. No plaintext of the failing segment is released.
 */
export class DecryptionError extends CairnCoreError {}

/** A block's bytes do not match its CID, or a block is missing. */
export class BlockError extends CairnCoreError {}
