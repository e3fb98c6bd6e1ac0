/** Errors of the reputation service. Callers and tests check `err.name`, which is stable. */

/** An event, context or peer id that the model cannot take (a programming error of the caller). */
export class InvalidReputationInputError extends Error {
  override name = "InvalidReputationInputError" as const;
}

/** The service's options are out of their bounds. */
export class InvalidReputationConfigError extends Error {
  override name = "InvalidReputationConfigError" as const;
}

/** `record` or `score` was called before `start` or after `stop`. */
export class ReputationNotStartedError extends Error {
  override name = "ReputationNotStartedError" as const;
}
