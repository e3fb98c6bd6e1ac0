import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DEV_CHAIN_ID } from "../wallet/constants.ts";
import { CONFIG_ENV, CONFIG_FLAG, DEFAULT_CONFIG_FILE, ENV_PREFIX, NON_CONFIG_ENV } from "./constants.ts";
import { type ConfigIssue, ConfigError } from "./errors.ts";
import { type Field, FieldError, type ParseContext } from "./fields.ts";
import type { ConfigFlags, LoadConfigOptions, LoadedConfig } from "./index.ts";
import { CONFIG_SCHEMA, envName, flagName, isField, type NodeConfig, schemaEntries } from "./schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: matches a Field of any value type
type AnyField = Field<any>;

interface Candidate {
  raw: unknown;
  source: string;
  ctx: ParseContext;
}

function show(raw: unknown): string {
  return JSON.stringify(raw) ?? String(raw);
}

/** Flattens a parsed config file into `key → value`, reporting unknown keys and non-objects. */
function flattenFile(
  json: unknown,
  file: string,
  issues: ConfigIssue[],
  schema: Record<string, unknown> = CONFIG_SCHEMA,
  prefix = "",
): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    const what = prefix === "" ? "the file" : prefix;
    issues.push({
      key: prefix,
      source: file,
      message: `${file}: ${what} must be a JSON object, got ${show(json)}`,
    });
    return out;
  }
  for (const [name, value] of Object.entries(json)) {
    const key = prefix === "" ? name : `${prefix}.${name}`;
    const node = schema[name] as AnyField | Record<string, unknown> | undefined;
    // "$schema" lets editors validate the file; it is not a setting.
    if (prefix === "" && name === "$schema") continue;
    if (node === undefined) {
      issues.push({ key, source: file, message: `${file}: unknown key ${key}` });
    } else if (isField(node as AnyField)) {
      out.set(key, value);
    } else {
      for (const [k, v] of flattenFile(value, file, issues, node as Record<string, unknown>, key))
        out.set(k, v);
    }
  }
  return out;
}

function readFileSource(
  options: LoadConfigOptions,
  dataDirGuess: string,
  issues: ConfigIssue[],
): { path: string; values: Map<string, unknown> } | undefined {
  const flags = options.flags ?? {};
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = flags[CONFIG_FLAG] ?? env[CONFIG_ENV];
  if (typeof explicit === "string" && explicit !== "") {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      const from = flags[CONFIG_FLAG] !== undefined ? `flag --${CONFIG_FLAG}` : `env ${CONFIG_ENV}`;
      issues.push({ key: "", source: from, message: `${from}: config file ${explicit} does not exist` });
      return undefined;
    }
    return { path: explicit, values: parseFile(path, explicit, issues) };
  }
  const implicit = resolve(dataDirGuess, DEFAULT_CONFIG_FILE);
  if (!existsSync(implicit)) return undefined;
  return { path: implicit, values: parseFile(implicit, implicit, issues) };
}

function parseFile(path: string, label: string, issues: ConfigIssue[]): Map<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    issues.push({ key: "", source: label, message: `${label}: not valid JSON (${(err as Error).message})` });
    return new Map();
  }
  return flattenFile(json, label, issues);
}

/**
 * Resolves the node's config from defaults < config file < environment < flags, and
 * checks every value. Throws one {@link ConfigError} listing every bad value, each
 * naming its key and where it came from.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const flags: ConfigFlags = options.flags ?? {};
  const cwd = options.cwd ?? process.cwd();
  const entries = schemaEntries();
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const stringCtx: ParseContext = { fromString: true, baseDir: cwd };

  // Candidates per key, lowest precedence first.
  const candidates = new Map<string, Candidate[]>(entries.map(([key]) => [key, []]));

  // The config file may live in the data folder, so find the data folder from the
  // sources above the file first.
  const dataDirField = CONFIG_SCHEMA.dataDir;
  let dataDirGuess = dataDirField.default as string;
  for (const raw of [env[envName("dataDir")], flags[flagName("dataDir")]]) {
    if (typeof raw === "string" && raw !== "") {
      try {
        dataDirGuess = dataDirField.parse(raw, stringCtx);
      } catch {
        // Reported with the right source below.
      }
    }
  }
  const file = readFileSource(options, dataDirGuess, issues);
  if (file !== undefined) {
    const fileCtx: ParseContext = { fromString: false, baseDir: dirname(resolve(cwd, file.path)) };
    for (const [key, raw] of file.values) candidates.get(key)?.push({ raw, source: file.path, ctx: fileCtx });
  }

  const known = new Set(entries.map(([key]) => envName(key)));
  for (const name of Object.keys(env)) {
    if (name.startsWith(ENV_PREFIX) && !known.has(name) && !NON_CONFIG_ENV.has(name)) {
      warnings.push(`ignoring unknown environment variable ${name}`);
    }
  }

  const knownFlags = new Set([CONFIG_FLAG, ...entries.map(([key]) => flagName(key))]);
  for (const name of Object.keys(flags)) {
    if (!knownFlags.has(name)) {
      issues.push({ key: "", source: `flag --${name}`, message: `flag --${name}: unknown option` });
    }
  }

  for (const [key] of entries) {
    const list = candidates.get(key) ?? [];
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== "")
      list.push({ raw: fromEnv, source: `env ${envName(key)}`, ctx: stringCtx });
    const fromFlag = flags[flagName(key)];
    if (fromFlag !== undefined) {
      const raw = Array.isArray(fromFlag) ? fromFlag.join(",") : fromFlag;
      list.push({ raw, source: `flag --${flagName(key)}`, ctx: stringCtx });
    }
  }

  // Parse every candidate, so a bad value is reported even when a higher source overrides it.
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  for (const [key, field] of entries) {
    for (const candidate of candidates.get(key) ?? []) {
      try {
        values.set(key, field.parse(candidate.raw, candidate.ctx));
        sources.set(key, candidate.source);
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        issues.push({
          key,
          source: candidate.source,
          message: `${candidate.source}: ${key} ${err.message}, got ${show(candidate.raw)}`,
        });
      }
    }
  }

  // Defaults, fixed ones first so computed ones can read them.
  const get = (key: string) => values.get(key);
  for (const computed of [false, true]) {
    for (const [key, field] of entries) {
      if (values.has(key) || field.default === undefined) continue;
      if ((typeof field.default === "function") !== computed) continue;
      values.set(key, typeof field.default === "function" ? field.default(get) : field.default);
      sources.set(key, "default");
    }
  }
  for (const [key, field] of entries) {
    if (!values.has(key) && !field.optional) {
      issues.push({
        key,
        source: "default",
        message: `${key} is required (${envName(key)} or --${flagName(key)})`,
      });
    }
  }

  // Rules that span keys.
  const devAccount = values.get("wallet.devAccount");
  const chainId = values.get("chain.id");
  if (devAccount !== undefined && chainId !== DEV_CHAIN_ID) {
    const source = sources.get("wallet.devAccount") ?? "default";
    issues.push({
      key: "wallet.devAccount",
      source,
      message:
        `${source}: wallet.devAccount is only allowed on the devnet (chain.id ${DEV_CHAIN_ID}), ` +
        `but chain.id is ${chainId} (from ${sources.get("chain.id")})`,
    });
  }

  if (issues.length > 0) throw new ConfigError(issues);

  const config: Record<string, unknown> = {};
  for (const [key] of entries) {
    const parts = key.split(".");
    let node = config;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) ?? key] = values.get(key);
  }
  return { config: deepFreeze(config) as unknown as NodeConfig, sources, warnings, file: file?.path };
}

function deepFreeze<T extends object>(object: T): T {
  for (const value of Object.values(object)) {
    if (typeof value === "object" && value !== null) deepFreeze(value);
  }
  return Object.freeze(object);
}

/** One line per key, `api.port = 8080  (env CAIRN_API_PORT)`, with secrets masked; for `cairn start --print-config`. */
export function describeConfig(loaded: LoadedConfig): string[] {
  return schemaEntries().map(([key, field]) => {
    let value: unknown = loaded.config;
    for (const part of key.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
    const shown = value === undefined ? "(unset)" : field.secret ? "********" : JSON.stringify(value);
    return `${key} = ${shown}  (${loaded.sources.get(key) ?? "unset"})`;
  });
}

/**
 * The options for node:util `parseArgs` that `loadConfig` understands as flags:
 * `parseArgs({ args, options: { ...configFlagOptions(), ...own }, strict: true })`.
 */
export function configFlagOptions(): Record<string, { type: "string" | "boolean" }> {
  const options: Record<string, { type: "string" | "boolean" }> = { [CONFIG_FLAG]: { type: "string" } };
  for (const [key, field] of schemaEntries()) options[flagName(key)] = { type: field.flagType };
  return options;
}
