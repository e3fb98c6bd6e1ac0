/**
 * The node's configuration: one typed schema (schema.ts) and a loader that merges
 * defaults < config file (JSON) < environment (CAIRN_*) < CLI flags, and reports every
 * bad value with its key and source:
 *
 *   config.json: api.port must be an integer from 1 to 65535, got "abc"
 *
 * The config file is `--config <file>`, else $CAIRN_CONFIG, else `<dataDir>/config.json`
 * when it exists. Relative paths in the file are relative to the file's folder.
 */
import type { NodeConfig } from "./schema.ts";

export * from "./constants.ts";
export { type ConfigIssue, ConfigError } from "./errors.ts";
export { configFlagOptions, describeConfig, loadConfig } from "./load.ts";
export {
  CONFIG_SCHEMA,
  envName,
  flagName,
  type InferConfig,
  type NodeConfig,
  schemaEntries,
} from "./schema.ts";

/** Flags as node:util `parseArgs` returns them: kebab-case names (`api-port`), without the dashes. */
export type ConfigFlags = Record<string, string | boolean | string[] | undefined>;

export interface LoadConfigOptions {
  /** Parsed CLI flags (see `configFlagOptions`). @default {} */
  flags?: ConfigFlags;
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** Relative paths from the environment and flags resolve against this. @default process.cwd() */
  cwd?: string;
}

export interface LoadedConfig {
  config: NodeConfig;
  /** Where each key's value came from: `default`, the file path, `env CAIRN_…`, `flag --…`. */
  sources: ReadonlyMap<string, string>;
  /** Non-fatal findings, e.g. unknown CAIRN_* variables, for the caller to log. */
  warnings: string[];
  /** The config file that was read, if any. */
  file: string | undefined;
}
