// Command-line options of a chain start, shared by `npm run chain` and `npm start`.
import { parseArgs } from "node:util";
import { devSealers, DEV_ACCOUNTS_FILE } from "../lib/dev-accounts.ts";
import { UsageError } from "./errors.ts";
import { rel } from "./paths.ts";
import { ENGINES, type Engine } from "./start.ts";

export const CHAIN_OPTIONS_HELP = `  --engine poa|anvil   poa: @ethereumjs/client Clique sealers (default; also CHAIN=poa)
                       anvil: anvil from the same genesis (also CHAIN=anvil)
  --sealers N          number of Clique sealers, 1-3 (poa only, default 1)
  --port P             RPC port of the first node (default 8545; sealer N uses P+N-1)
  --p2p-port P         devp2p port of the first sealer (default 30303; sealer N uses P+N-1)
  --data-dir DIR       chain data, wiped at every start (default .cairn/chain)
  --timeout S          seconds to wait for blocks before giving up
  -h, --help           show this help`;

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} must be a whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

export const CHAIN_FLAGS = {
  engine: { type: "string" },
  sealers: { type: "string" },
  port: { type: "string" },
  "p2p-port": { type: "string" },
  "data-dir": { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface ChainCliOptions {
  engine: Engine;
  sealers?: number;
  rpcPort?: number;
  p2pPort?: number;
  dataDir?: string;
  timeoutMs?: number;
}

function readFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: CHAIN_FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]} (see --help)`);
  }
}

/** Parses and checks the flags (and CHAIN from `env`); a bad one throws a UsageError naming it. */
export function parseChainArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChainCliOptions | "help" {
  const values = readFlags(argv);
  if (values.help === true) return "help";
  const engineRaw = values.engine ?? env.CHAIN ?? "poa";
  if (!ENGINES.includes(engineRaw as Engine)) {
    const from = values.engine !== undefined ? "--engine" : "CHAIN";
    throw new UsageError(`${from} must be ${ENGINES.join(" or ")} (got ${JSON.stringify(engineRaw)})`);
  }
  const engine = engineRaw as Engine;
  const sealers = integer("--sealers", values.sealers);
  if (sealers !== undefined && engine === "anvil" && sealers !== 1) {
    throw new UsageError("--sealers applies to --engine poa only (anvil seals by itself)");
  }
  if (sealers !== undefined && engine === "poa") {
    const available = devSealers().length;
    if (sealers < 1 || sealers > available) {
      throw new UsageError(
        `--sealers must be from 1 to ${available} (${rel(DEV_ACCOUNTS_FILE)} has ${available} sealer accounts; got ${sealers})`,
      );
    }
  }
  const rpcPort = integer("--port", values.port);
  const p2pPort = integer("--p2p-port", values["p2p-port"]);
  for (const [flag, v] of [
    ["--port", rpcPort],
    ["--p2p-port", p2pPort],
  ] as const) {
    if (v !== undefined && (v < 1 || v > 65535))
      throw new UsageError(`${flag} must be from 1 to 65535 (got ${v})`);
  }
  const timeout = integer("--timeout", values.timeout);
  if (timeout !== undefined && timeout < 1) throw new UsageError("--timeout must be at least 1 second");
  return {
    engine,
    sealers,
    rpcPort,
    p2pPort,
    dataDir: values["data-dir"],
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
  };
}
