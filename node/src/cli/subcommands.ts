/**
 * What the client commands with subcommands and amounts (channels, provider, storage)
 * share: their common flags, the end of their help, and what they do with --help or no
 * subcommand.
 */
import { parse } from "./args.ts";
import { EXIT_OK, EXIT_USAGE } from "./constants.ts";
import { ENDPOINT_HELP, ENDPOINT_OPTIONS } from "./endpoint.ts";
import type { CliIo } from "./io.ts";

/** Where the node is, --json and --help; each command adds its own. */
export const SUBCOMMAND_OPTIONS = {
  ...ENDPOINT_OPTIONS,
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * The end of such a command's help: the amount syntax, the options (--json, `extra`, then
 * --help) and how the node is found. Flags are padded to `flagWidth` so that their texts
 * line up with those of the command's own list.
 */
export function subcommandHelpEnd(
  flagWidth: number,
  extra: ReadonlyArray<readonly [flag: string, text: string]> = [],
): string {
  const options = [["--json", "print the node's answer as JSON"], ...extra, ["-h, --help", "show this help"]];
  return `Amounts: 1.5eth, 20gwei or 1000 (wei).

Options:
${options.map(([flag = "", text]) => `  ${flag.padEnd(flagWidth)}${text}`).join("\n")}

${ENDPOINT_HELP}`;
}

type Options = Parameters<typeof parse>[1];
type Parsed<O extends Options> = ReturnType<typeof parse<O>>;

/**
 * Parses the command's arguments. --help prints `help` and exits 0; no subcommand prints
 * it on stderr and is a usage error. Either way the caller returns `{ exit }`.
 */
export function parseSubcommand<O extends Options & typeof SUBCOMMAND_OPTIONS>(
  args: string[],
  options: O,
  name: string,
  help: string,
  io: CliIo,
): { exit: number } | { values: Parsed<O>["values"]; command: string; rest: string[] } {
  const { values, positionals } = parse(args, options, name);
  const [command, ...rest] = positionals;
  // O has SUBCOMMAND_OPTIONS' --help, but TypeScript cannot see parseArgs' values through a generic.
  const askedForHelp = (values as { help?: boolean }).help === true;
  if (askedForHelp || command === undefined) {
    (askedForHelp ? io.stdout : io.stderr).write(`${help}\n`);
    return { exit: askedForHelp ? EXIT_OK : EXIT_USAGE };
  }
  return { values, command, rest };
}
