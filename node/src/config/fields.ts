/**
 * Field types for the config schema. Each parses a raw value, which is a JSON value
 * from the config file or a string from the environment or a flag, and returns the typed
 * value or throws `FieldError` with the part of the message after the key
 * ("must be an integer from 1 to 65535").
 */
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { parseLogLevelSpec } from "../logging/index.ts";

export class FieldError extends Error {
  override name = "FieldError" as const;
}

export interface ParseContext {
  /** True for values from the environment or a flag, which are always strings. */
  fromString: boolean;
  /** The folder relative paths are resolved against: the config file's, or the working directory. */
  baseDir: string;
}

export interface Field<T> {
  readonly kind: "field";
  /** Shown in errors and docs: "an integer from 1 to 65535". */
  readonly describe: string;
  readonly parse: (raw: unknown, ctx: ParseContext) => T;
  /** A fixed default, or one computed from the rest of the config (keys resolved first). */
  readonly default?: T | ((get: (key: string) => unknown) => T);
  readonly optional: boolean;
  /** Masked when the config is printed. */
  readonly secret: boolean;
  readonly doc: string;
  /** The parseArgs option type for the flag. */
  readonly flagType: "string" | "boolean";
}

interface FieldOptions<T> {
  default?: T | ((get: (key: string) => unknown) => T);
  doc: string;
  secret?: boolean;
}

function field<T>(
  describe: string,
  parse: (raw: unknown, ctx: ParseContext) => T,
  options: FieldOptions<T>,
  flagType: "string" | "boolean" = "string",
): Field<T> {
  return {
    kind: "field",
    describe,
    parse,
    default: options.default,
    optional: false,
    secret: options.secret ?? false,
    doc: options.doc,
    flagType,
  };
}

/** The same field, allowed to be unset (its value is then `undefined`). */
export function optional<T>(f: Field<T>): Field<T | undefined> {
  return { ...f, optional: true } as Field<T | undefined>;
}

function fail(describe: string): never {
  throw new FieldError(`must be ${describe}`);
}

export function string(
  options: FieldOptions<string> & { minLength?: number; pattern?: RegExp },
): Field<string> {
  const min = options.minLength ?? 1;
  const describe = min > 1 ? `a string of at least ${min} characters` : "a non-empty string";
  return field(
    describe,
    (raw) => {
      if (typeof raw !== "string" || raw.length < min) fail(describe);
      if (options.pattern !== undefined && !options.pattern.test(raw)) fail(describe);
      return raw;
    },
    options,
  );
}

/** A filesystem path; `~/` expands to the home folder, relative paths resolve against the source's folder. */
export function path(options: FieldOptions<string>): Field<string> {
  const describe = "a path";
  return field(
    describe,
    (raw, ctx) => {
      if (typeof raw !== "string" || raw.trim() === "") fail(describe);
      if (raw === "~" || raw.startsWith("~/")) return resolve(homedir(), raw.slice(2));
      return isAbsolute(raw) ? resolve(raw) : resolve(ctx.baseDir, raw);
    },
    options,
  );
}

export function integer(options: FieldOptions<number> & { min: number; max: number }): Field<number> {
  const describe = `an integer from ${options.min} to ${options.max}`;
  return field(
    describe,
    (raw, ctx) => {
      let value: number;
      if (typeof raw === "number") value = raw;
      else if (ctx.fromString && typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw)) value = Number(raw);
      else fail(describe);
      if (!Number.isSafeInteger(value) || value < options.min || value > options.max) fail(describe);
      return value;
    },
    options,
  );
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

export function boolean(options: FieldOptions<boolean>): Field<boolean> {
  const describe = "true or false";
  return field(
    describe,
    (raw, ctx) => {
      if (typeof raw === "boolean") return raw;
      if (ctx.fromString && typeof raw === "string") {
        const v = raw.trim().toLowerCase();
        if (TRUE.has(v)) return true;
        if (FALSE.has(v)) return false;
      }
      fail(describe);
    },
    options,
    "boolean",
  );
}

export function oneOf<const V extends string>(values: readonly V[], options: FieldOptions<V>): Field<V> {
  const describe = `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  return field(
    describe,
    (raw) => {
      if (typeof raw !== "string" || !(values as readonly string[]).includes(raw)) fail(describe);
      return raw as V;
    },
    options,
  );
}

export function url(options: FieldOptions<string> & { protocols: readonly string[] }): Field<string> {
  const describe = `a URL starting with ${options.protocols.map((p) => `${p}//`).join(" or ")}`;
  return field(
    describe,
    (raw) => {
      if (typeof raw !== "string" || !URL.canParse(raw)) fail(describe);
      if (!options.protocols.includes(new URL(raw).protocol)) fail(describe);
      return raw;
    },
    options,
  );
}

/** A list of strings: a JSON array in the file, comma-separated in the environment and flags. */
export function list(
  options: FieldOptions<string[]> & { item: string; check?: (item: string) => boolean },
): Field<string[]> {
  const describe = `a list of ${options.item}`;
  return field(
    describe,
    (raw, ctx) => {
      let items: unknown[];
      if (Array.isArray(raw)) items = raw;
      else if (ctx.fromString && typeof raw === "string") items = raw.split(",").map((s) => s.trim());
      else fail(`${describe} (${ctx.fromString ? "comma-separated" : "a JSON array"})`);
      const out = items.filter((s) => s !== "");
      for (const item of out) {
        if (typeof item !== "string" || (options.check !== undefined && !options.check(item))) {
          throw new FieldError(`must be ${describe}; ${JSON.stringify(item)} is not one`);
        }
      }
      return out as string[];
    },
    options,
  );
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A size in bytes: an integer, or a string such as "10MiB", "512 KiB", "1GB". */
export function bytes(options: FieldOptions<number> & { min: number; max: number }): Field<number> {
  const describe = `a size from ${options.min} to ${options.max} bytes (an integer, or a string like "10MiB")`;
  return field(
    describe,
    (raw) => {
      let value: number;
      if (typeof raw === "number") value = raw;
      else if (typeof raw === "string") {
        const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
        const unit = UNITS[(m?.[2] ?? "").toLowerCase() || "b"];
        if (m === null || unit === undefined) fail(describe);
        value = Math.round(Number(m[1]) * unit);
      } else fail(describe);
      if (!Number.isSafeInteger(value) || value < options.min || value > options.max) fail(describe);
      return value;
    },
    options,
  );
}

/** A log level spec such as `info` or `info,cairn:store=debug`. */
export function logLevel(options: FieldOptions<string>): Field<string> {
  const describe =
    'a log level (trace, debug, info, warn, error, silent), optionally with overrides like "info,cairn:store=debug"';
  return field(
    describe,
    (raw) => {
      if (typeof raw !== "string") fail(describe);
      try {
        parseLogLevelSpec(raw);
      } catch {
        fail(describe);
      }
      return raw;
    },
    options,
  );
}
