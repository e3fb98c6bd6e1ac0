/**
 * Runs a script's main function and turns an expected failure into one clear line
 * on stderr and exit code 1, instead of a stack trace. Set CAIRN_DEBUG=1 for the trace.
 */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message.split("\n")[0]}`);
    if (process.env.CAIRN_DEBUG) console.error(error);
    process.exitCode = 1;
  }
}
