/** `npm run generate`: regenerate every generated module from the current build output. */
import { generateContractsModule } from "./contracts-module.ts";
import { runCli } from "../lib/cli.ts";

await runCli(async () => {
  console.log(`wrote ${await generateContractsModule()}`);
});
