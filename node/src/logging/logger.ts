import { DEFAULT_LOG_LEVEL, LOG_LEVELS, LOGGER_PREFIX } from "./constants.ts";
import { InvalidLogLevelError } from "./errors.ts";

export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = "json" | "pretty";
export type LogFields = Record<string, unknown>;

export interface Logger {
  /** The full component name, e.g. `cairn:store`. */
  readonly component: string;
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** True when a line at `level` would be written; guards costly field building. */
  enabled(level: LogLevel): boolean;
  /** A logger for a sub-component: `cairn:store` → `cairn:store:blocks`. */
  child(name: string): Logger;
}

export interface LoggingOptions {
  /**
   * A level, optionally followed by per-component overrides that apply to a component
   * and everything under it: `info,cairn:store=debug,cairn:wallet=trace`.
   * @default "info"
   */
  level?: string;
  /**
   * `json` writes one JSON object per line (for log shippers); `pretty` writes one
   * readable line; `auto` picks pretty when stderr is a TTY, otherwise json.
   * @default "auto"
   */
  format?: LogFormat | "auto";
  /** Where finished lines go (without the newline). @default a write to stderr */
  sink?: (line: string) => void;
  /** @default () => new Date() */
  clock?: () => Date;
}

const SEVERITY: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  silent: 99,
};

interface ParsedLevels {
  base: LogLevel;
  /** Longest prefix first, so the most specific override wins. */
  overrides: Array<{ prefix: string; level: LogLevel }>;
}

function isLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Parses `info,cairn:store=debug`. Throws {@link InvalidLogLevelError} naming the bad part. */
export function parseLogLevelSpec(spec: string): ParsedLevels {
  const parsed: ParsedLevels = { base: DEFAULT_LOG_LEVEL, overrides: [] };
  for (const raw of spec.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    const level = (eq === -1 ? part : part.slice(eq + 1)).trim().toLowerCase();
    if (!isLevel(level)) {
      throw new InvalidLogLevelError(
        `unknown log level "${level}" in "${spec}" (use one of ${LOG_LEVELS.join(", ")})`,
      );
    }
    if (eq === -1) parsed.base = level;
    else parsed.overrides.push({ prefix: part.slice(0, eq).trim(), level });
  }
  parsed.overrides.sort((a, b) => b.prefix.length - a.prefix.length);
  return parsed;
}

/** JSON.stringify cannot serialise errors, bigints or CIDs usefully; this can. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.stack !== undefined) out.stack = value.stack;
    if (value.cause !== undefined) out.cause = value.cause;
    return out;
  }
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  // multiformats CIDs carry `asCID` pointing at themselves; their string form is what people grep for.
  if (typeof value === "object" && value !== null && (value as { asCID?: unknown }).asCID === value) {
    return String(value);
  }
  return value;
}

function prettyValue(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  return JSON.stringify(value, replacer) ?? String(value);
}

/**
 * Owns the level and format of every logger it hands out, so reconfiguring it (once the
 * config is loaded) applies to loggers that modules created at import time.
 */
export class LogManager {
  private levels: ParsedLevels = parseLogLevelSpec(DEFAULT_LOG_LEVEL);
  private format: LogFormat = process.stderr.isTTY === true ? "pretty" : "json";
  private sink: (line: string) => void = (line) => {
    process.stderr.write(`${line}\n`);
  };
  private clock: () => Date = () => new Date();
  private readonly cache = new Map<string, LogLevel>();

  constructor(options: LoggingOptions = {}) {
    this.configure(options);
  }

  configure(options: LoggingOptions): void {
    if (options.level !== undefined) this.levels = parseLogLevelSpec(options.level);
    if (options.format !== undefined) {
      this.format =
        options.format === "auto" ? (process.stderr.isTTY === true ? "pretty" : "json") : options.format;
    }
    if (options.sink !== undefined) this.sink = options.sink;
    if (options.clock !== undefined) this.clock = options.clock;
    this.cache.clear();
  }

  /** The effective level of a component. */
  levelOf(component: string): LogLevel {
    let level = this.cache.get(component);
    if (level === undefined) {
      level =
        this.levels.overrides.find((o) => component === o.prefix || component.startsWith(`${o.prefix}:`))
          ?.level ?? this.levels.base;
      this.cache.set(component, level);
    }
    return level;
  }

  logger(name: string): Logger {
    const component =
      name === LOGGER_PREFIX || name.startsWith(`${LOGGER_PREFIX}:`) ? name : `${LOGGER_PREFIX}:${name}`;
    const enabled = (level: LogLevel): boolean =>
      level !== "silent" && SEVERITY[level] >= SEVERITY[this.levelOf(component)];
    const write = (level: Exclude<LogLevel, "silent">) => (msg: string, fields?: LogFields) => {
      if (enabled(level)) this.write(level, component, msg, fields);
    };
    return {
      component,
      trace: write("trace"),
      debug: write("debug"),
      info: write("info"),
      warn: write("warn"),
      error: write("error"),
      enabled,
      child: (child: string) => this.logger(`${component}:${child}`),
    };
  }

  private write(level: LogLevel, component: string, msg: string, fields: LogFields | undefined): void {
    const time = this.clock().toISOString();
    if (this.format === "json") {
      this.sink(JSON.stringify({ time, level, component, msg, ...fields }, replacer));
      return;
    }
    let line = `${time} ${level.toUpperCase().padEnd(5)} ${component} ${msg}`;
    let stack: string | undefined;
    for (const [key, value] of Object.entries(fields ?? {})) {
      if (value === undefined) continue;
      line += ` ${key}=${prettyValue(value)}`;
      if (value instanceof Error && SEVERITY[level] >= SEVERITY.warn) stack ??= value.stack;
    }
    this.sink(stack === undefined ? line : `${line}\n${stack}`);
  }
}

/** The process-wide manager; `cairn start` configures it from `log.level` and `log.format`. */
export const defaultLogManager = new LogManager();

/** A logger named `cairn:<component>` from the process-wide manager. */
export function logger(component: string): Logger {
  return defaultLogManager.logger(component);
}

export function configureLogging(options: LoggingOptions): void {
  defaultLogManager.configure(options);
}
