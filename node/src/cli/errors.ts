import { EXIT_FAILURE, EXIT_USAGE } from "./constants.ts";

/** Bad flags, arguments or config: the command did nothing (exit 2). */
export class UsageError extends Error {
  override name = "UsageError" as const;
  readonly exitCode = EXIT_USAGE;
}

/** The command ran and failed (exit 1): the node refused, a file could not be written, ... */
export class CliError extends Error {
  override name = "CliError" as const;
  readonly exitCode = EXIT_FAILURE;
}

/** The node answered with an error; `code` and `field` are from its JSON body. */
export class ApiResponseError extends Error {
  override name = "ApiResponseError" as const;
  readonly exitCode = EXIT_FAILURE;
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}
