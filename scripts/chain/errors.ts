/**
 * An expected failure with a one-line message meant for a person (bad flag, bad genesis,
 * port in use, chain not producing blocks...). CLIs print `error: <message>` without a stack.
 */
export class ChainError extends Error {
  /** The log file worth reading, when there is one. */
  logFile: string | undefined;
  constructor(message: string, logFile?: string) {
    super(message);
    this.name = "ChainError";
    this.logFile = logFile;
  }
}

/** A bad command-line flag or option value (exit code 2). */
export class UsageError extends ChainError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
