import { ConfigError, configFlagOptions, describeConfig, loadConfig } from "../../config/index.ts";
import { runUntilSignal, startCairnNode } from "../../daemon/index.ts";
import { logger } from "../../logging/index.ts";
import { parse } from "../args.ts";
import { EXIT_OK } from "../constants.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";

export const START_HELP = `Usage: cairn start [options]

Runs a node until Ctrl-C (SIGINT) or SIGTERM. Settings come from defaults < a config file
< CAIRN_* environment variables < these flags; docs/operator-guide.md lists every key.
Every bad value is reported on its own line and the node does not start (exit 2).

Options:
  --config <file>              the config file (else $CAIRN_CONFIG, else <dataDir>/config.json)
  --data-dir <dir>             dataDir
  --api-host <addr>            api.host
  --api-port <port>            api.port
  --api-cors-origins <list>    api.corsOrigins, comma-separated
  --api-upload-limit <size>    api.uploadLimit, e.g. 50GiB
  --chain-rpc-url <url>        chain.rpcUrl
  --chain-id <id>              chain.id
  --wallet-dev-account <role>  wallet.devAccount (devnet only)
  --log-level <spec>           log.level, e.g. info,cairn:api=debug
  --print-config               print the resolved config (secrets masked) and exit
  -h, --help                   show this help
  (and a --flag for every other key: --api-body-limit, --wallet-keystore, ...)

On first start without api.token the node writes a random token to <dataDir>/api-token
(mode 0600); \`cairn upload\` reads it from there.`;

export async function startCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...configFlagOptions(), "print-config": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    "start",
  );
  if (values.help) {
    io.stdout.write(`${START_HELP}\n`);
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `start takes no arguments, got ${JSON.stringify(positionals[0])} (see cairn start --help)`,
    );
  }
  const { "print-config": printConfig, help: _help, ...flags } = values;
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig({ flags, env: io.env, cwd: io.cwd });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.issues.map((i) => i.message).join("\n"));
    throw err;
  }
  if (printConfig) {
    for (const line of describeConfig(loaded)) io.stdout.write(`${line}\n`);
    return EXIT_OK;
  }
  const node = await startCairnNode(loaded.config);
  const log = logger("cli");
  for (const warning of loaded.warnings) log.warn(warning);
  io.stderr.write(`cairn: REST API at ${node.apiUrl}\n`);
  const network = node.node.network;
  if (network !== undefined) {
    io.stderr.write(`cairn: peer id ${network.peerId.toString()}\n`);
    for (const address of network.getMultiaddrs())
      io.stderr.write(`cairn: libp2p at ${address.toString()}\n`);
  }
  // Last: scripts wait for this line to know the node is up.
  if (node.apiTokenPath !== undefined) io.stderr.write(`cairn: API token in ${node.apiTokenPath}\n`);
  await runUntilSignal(node, log);
  return EXIT_OK;
}
