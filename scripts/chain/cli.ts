// Start a fresh Cairn devnet from genesis/ and keep it up until Ctrl-C or SIGTERM.
//
//   node scripts/chain/cli.ts [--engine poa|anvil] [--sealers N] [--port 8545]
//   CHAIN=anvil node scripts/chain/cli.ts
//
// Exit codes: 0 stopped on request; 1 the chain failed to start or a node died;
//             2 bad command line; 130 interrupted while starting.
import { ChainError, UsageError } from "./errors.ts";
import { CHAIN_OPTIONS_HELP, parseChainArgs, type ChainCliOptions } from "./options.ts";
import { rel } from "./paths.ts";
import { killAllNow, stopAll } from "./proc.ts";
import { startChain, type RunningChain } from "./start.ts";

const HELP = `Usage: node scripts/chain/cli.ts [options]

Starts a fresh devnet (chainId from genesis/genesis.json) and keeps it running until Ctrl-C.

Options:
${CHAIN_OPTIONS_HELP}

Exit codes: 0 stopped on request, 1 chain failed, 2 bad command line, 130 interrupted while starting.`;

function describe(chain: RunningChain): string {
  const what =
    chain.engine === "poa"
      ? `Clique PoA, ${chain.nodes.length} sealer${chain.nodes.length > 1 ? "s" : ""}`
      : "anvil";
  const lines = [`Cairn devnet up (${what}), chainId ${chain.chainId}`];
  for (const n of chain.nodes) {
    lines.push(
      `  ${n.name.padEnd(8)} ${n.rpcUrl}${n.signer !== undefined ? `  signer ${n.signer}` : ""}  log ${rel(n.logFile)}`,
    );
  }
  lines.push(`RPC URL: ${chain.rpcUrls[0]}`);
  lines.push("Press Ctrl-C to stop.");
  return lines.join("\n");
}

async function main(): Promise<number> {
  let opts: ChainCliOptions | "help";
  try {
    opts = parseChainArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ChainError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (opts === "help") {
    console.log(HELP);
    return 0;
  }

  let chain: RunningChain | undefined;
  let signals = 0;
  let resolveStop: (code: number) => void = () => {};
  const stopped = new Promise<number>((r) => {
    resolveStop = r;
  });
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      console.error(`\n${sig} again: killing the chain now`);
      killAllNow();
      process.exit(chain === undefined ? 130 : 1);
    }
    if (chain === undefined) {
      console.error(`\n${sig} while starting: stopping what was started (again to kill)...`);
      void stopAll({ intMs: 15_000, termMs: 5_000 }).then(() => process.exit(130));
      return;
    }
    console.error(`\n${sig}: stopping the chain (again to kill)...`);
    void chain.stop().then(() => resolveStop(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const label = opts.engine === "poa" ? `Clique PoA with ${opts.sealers ?? 1} sealer(s)` : "anvil";
  console.log(`Starting ${label} from genesis/genesis.json ...`);
  try {
    chain = await startChain({ ...opts, log: (l) => console.log(`  ${l}`) });
  } catch (err) {
    if (signals > 0) return await new Promise<number>(() => {}); // the signal handler exits
    if (err instanceof ChainError) {
      console.error(`error: ${err.message}`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
  if (signals > 0) return await stopped;
  console.log(describe(chain));

  const outcome = await Promise.race([stopped, chain.crashed]);
  if (typeof outcome === "number") {
    console.log("Chain stopped.");
    return outcome;
  }
  console.error(`error: ${outcome.message}`);
  await chain.stop();
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Unexpected: still one line unless CAIRN_DEBUG is set.
    console.error(`error: ${(err as Error)?.message ?? String(err)}`);
    if (process.env.CAIRN_DEBUG) console.error(err);
    killAllNow();
    process.exit(1);
  },
);
