/**
 * The node's one logger. Every component asks for `logger("<component>")` and gets lines
 * named `cairn:<component>`, written to stderr as JSON or as pretty lines, filtered by a
 * level spec such as `info,cairn:store=debug`.
 */
export { DEFAULT_LOG_LEVEL, LOG_LEVELS, LOGGER_PREFIX } from "./constants.ts";
export { InvalidLogLevelError } from "./errors.ts";
export {
  configureLogging,
  defaultLogManager,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggingOptions,
  type LogLevel,
  LogManager,
  logger,
  parseLogLevelSpec,
} from "./logger.ts";
