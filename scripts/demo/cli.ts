/**
 * `npm run demo`: the narrated scenario (scenario.ts) against the network `npm start` is
 * running, found through its stack file. Exit code 0 when the file came back identical,
 * 1 on any failure, 2 on bad flags.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../chain/errors.ts";
import { parseIntInRange } from "../lib/validate.ts";
import { STATE_DIR } from "../lib/paths.ts";
import { readStackFile } from "../stack/stack-file.ts";
import { connectDemoNetwork, type DemoNode } from "./network.ts";
import { formatReport } from "./report.ts";
import { runDemo } from "./scenario.ts";

const HELP = `Usage: npm run demo [-- options]

Runs a narrated storage deal against the network \`npm start\` brought up: client1 buys
storage for a file, proofs arrive, one provider is killed, slashed and its slot repaired,
and the file is fetched back with paid retrieval and checked byte for byte; the indexer's
answers are then checked against the chain. Ends with a summary of gas, payments and
slashes. Each run kills one provider: restart \`npm start\`
after a couple of runs.

Options:
  --file PATH        the file to store (default: 2 MiB of random bytes)
  --k N              data slots (default 2)
  --m N              parity slots (default 2)
  --duration SECS    how long the data is kept (default 3600)
  -h, --help         this text`;

/** At 2 s blocks a period is 30 s; a repair takes three missed periods and a fill. */
const TIMEOUTS = { startMs: 180_000, proofsMs: 180_000, repairMs: 600_000 };

/** Kills a node's whole process group (the node leads its own), as a crash would. */
async function killNode(node: DemoNode): Promise<void> {
  try {
    process.kill(-node.pid, "SIGKILL");
  } catch {
    process.kill(node.pid, "SIGKILL");
  }
}

/** The flags, checked; a bad one is a UsageError (exit 2) that names it. */
function parseFlags(argv: string[]) {
  try {
    return readFlags(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function readFlags(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: "string" },
      k: { type: "string" },
      m: { type: "string" },
      duration: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help" as const;
  const terms = {
    k: values.k === undefined ? 2 : parseIntInRange("--k", values.k, 1, 32),
    m: values.m === undefined ? 2 : parseIntInRange("--m", values.m, 1, 32),
    duration:
      values.duration === undefined ? 3600 : parseIntInRange("--duration", values.duration, 600, 31_536_000),
    // Every slot proves every period, so a dead provider is caught within a few periods.
    proofProbability: 1,
    // The providers' most (npm start registers them at 1000 wei per byte).
    collateralPerByte: 1000n,
  };
  return { file: values.file, terms };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags === "help") {
    console.log(HELP);
    return 0;
  }
  const { file, terms } = flags;
  const network = await connectDemoNetwork(readStackFile());
  const report = await runDemo(network, {
    file,
    size: 2 * 2 ** 20,
    terms,
    workDir: join(STATE_DIR, "demo"),
    client: "client1",
    timeouts: TIMEOUTS,
    kill: killNode,
    log: (line) => console.log(line),
  });
  console.log(formatReport(report));
  return report.retrieval.matches && (report.indexer ?? []).length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    if (process.env.CAIRN_DEBUG) console.error(error);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
