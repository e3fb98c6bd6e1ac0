export interface ConfigIssue {
  /** The config key, e.g. `api.port`; empty for problems with a whole source. */
  key: string;
  /** Where the bad value came from: the file path, `env CAIRN_API_PORT`, `flag --api-port`. */
  source: string;
  /** The whole line, e.g. `config.json: api.port must be an integer from 1 to 65535, got "abc"`. */
  message: string;
}

/** One or more config values are bad. `issues` lists each; the message has one line per issue. */
export class ConfigError extends Error {
  override name = "ConfigError" as const;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(
      issues.length === 1
        ? (issues[0]?.message ?? "invalid config")
        : `invalid config:\n${issues.map((i) => `  ${i.message}`).join("\n")}`,
    );
    this.issues = issues;
  }
}
