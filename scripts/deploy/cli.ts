/**
 * `npm run deploy [-- --rpc <url>]`: deploy Cairn's contracts to a running chain
 * (the devnet by default) and regenerate the contracts module.
 */
import { parseArgs } from "node:util";
import { deployCairn } from "./deploy.ts";
import { runCli } from "../lib/cli.ts";
import { DEFAULT_RPC_URL } from "../lib/dev-accounts.ts";
import { parseHttpUrl } from "../lib/validate.ts";

await runCli(async () => {
  const { values } = parseArgs({ options: { rpc: { type: "string" } }, strict: true });
  const rpcUrl = parseHttpUrl("--rpc", values.rpc ?? process.env.CAIRN_RPC_URL ?? DEFAULT_RPC_URL);
  await deployCairn({ rpcUrl, log: (line) => console.log(line) });
});
