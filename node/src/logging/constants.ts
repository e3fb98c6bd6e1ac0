/** Every component name starts with this, e.g. `cairn:store`. */
export const LOGGER_PREFIX = "cairn";

/** Levels in increasing severity. `silent` turns a logger off. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "silent"] as const;

export const DEFAULT_LOG_LEVEL = "info";
