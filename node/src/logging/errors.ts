/** A log level spec named a level that does not exist (`log.level`, `CAIRN_LOG_LEVEL`). */
export class InvalidLogLevelError extends Error {
  override name = "InvalidLogLevelError" as const;
}
