/**
 * Loads `node:sqlite` without its one-time warning.
 *
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature and might change
 * at any time" to stderr the first time `node:sqlite` is loaded. The node's stderr is its
 * log stream (JSON lines for log shippers), so a stray unstructured line would break
 * parsers, and every CLI run would show it to users. We intercept `process.emitWarning`
 * only for the duration of this one import and drop exactly that warning (matched by
 * type and message); every other warning, including other ExperimentalWarnings, passes
 * through unchanged. That is narrower than `--no-warnings` (which hides all warnings) and
 * needs no flag on every entry point (CLI, tests, benchmarks).
 */
import type * as Sqlite from "node:sqlite";

export const SQLITE_WARNING_PREFIX = "SQLite is an experimental feature";

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;

/** True for the one warning `node:sqlite` emits when loaded. */
export function isSqliteExperimentalWarning(warning: string | Error, typeOrOptions?: unknown): boolean {
  const message = typeof warning === "string" ? warning : warning.message;
  const type =
    typeof warning !== "string"
      ? warning.name
      : typeof typeOrOptions === "string"
        ? typeOrOptions
        : (typeOrOptions as { type?: unknown } | undefined)?.type;
  return type === "ExperimentalWarning" && message.startsWith(SQLITE_WARNING_PREFIX);
}

async function loadSqlite(): Promise<typeof Sqlite> {
  const proc = process as unknown as { emitWarning: EmitWarning };
  const original = proc.emitWarning;
  proc.emitWarning = function filtered(this: unknown, warning, ...rest) {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    original.call(process, warning, ...rest);
  };
  try {
    return await import("node:sqlite");
  } finally {
    proc.emitWarning = original;
  }
}

export const { DatabaseSync, backup } = await loadSqlite();
export type { DatabaseSync as Database, StatementSync } from "node:sqlite";
