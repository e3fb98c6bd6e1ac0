/**
 * The `cairn` command: `start` runs a node; `upload`, `download`, `info`, `provider`,
 * `storage` and `channels` talk to a running node over its REST API. `main` returns the exit code: 0 ok, 1 failure, 2 usage
 * (bad flags, arguments or config). Errors are one line on stderr, `cairn <cmd>: <message>`.
 */
import { NODE_VERSION } from "../api/version.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./constants.ts";
import { type CliIo, processIo } from "./io.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { type CliIo, processIo };
export { createProgress, type Progress } from "./progress.ts";

type Command = (args: string[], io: CliIo) => Promise<number>;

// Loaded on demand: `cairn info` should not pay for Fastify and the erasure codec.
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import("./commands/start.ts")).startCommand,
  upload: async () => (await import("./commands/upload.ts")).uploadCommand,
  download: async () => (await import("./commands/download.ts")).downloadCommand,
  info: async () => (await import("./commands/info.ts")).infoCommand,
  provider: async () => (await import("./commands/provider.ts")).providerCommand,
  storage: async () => (await import("./commands/storage.ts")).storageCommand,
  channels: async () => (await import("./commands/channels.ts")).channelsCommand,
};

export const HELP = `Usage: cairn <command> [options]

Commands:
  start                         run a node (config from a file, CAIRN_* variables and flags)
  upload <file> [--k --m --encrypt]
                                stream a file to a running node; prints its CID
  download <cid> -o <file>      stream data from a running node into a file
  info                          show a running node's address, wallet and versions
  provider <command>            the node's provider account: status, register, stake,
                                unstake, withdraw, offer, pause, resume
  storage <command>             buy storage: buy <file|cid>, quote, status, withdraw
  channels <command>            payment channels for fetching data: list, open, deposit,
                                close

Run cairn <command> --help for a command's options.

Exit codes: 0 ok, 1 failure, 2 bad usage or config.`;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    (command === undefined ? io.stderr : io.stdout).write(`${HELP}\n`);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === "--version" || command === "-v") {
    io.stdout.write(`${NODE_VERSION}\n`);
    return EXIT_OK;
  }
  const load = COMMANDS[command];
  if (load === undefined) {
    io.stderr.write(`cairn: unknown command ${JSON.stringify(command)} (see cairn --help)\n`);
    return EXIT_USAGE;
  }
  try {
    return await (await load())(args, io);
  } catch (err) {
    const exitCode = (err as { exitCode?: unknown }).exitCode;
    const message = err instanceof Error ? err.message : String(err);
    if (typeof exitCode === "number") {
      for (const line of message.split("\n")) io.stderr.write(`cairn ${command}: ${line}\n`);
      return exitCode;
    }
    // Named errors from the node's services (WalletPassphraseMissingError, ...) say what went wrong.
    const name = err instanceof Error && err.name !== "Error" ? `${err.name}: ` : "";
    io.stderr.write(`cairn ${command}: ${name}${message}\n`);
    return EXIT_FAILURE;
  }
}
