/**
 * solhint over every Solidity file: production contracts with OpenZeppelin's rule
 * choices (.solhint.json), test code with forge-std's naming (test/contracts/.solhint.json).
 */
import { spawnSync } from "node:child_process";
import { globSync } from "node:fs";
import { createRequire } from "node:module";
import { ROOT_DIR } from "../lib/paths.ts";

const solhint = createRequire(import.meta.url).resolve("solhint/solhint.js");
const isTestCode = (file: string) => file.startsWith("contracts/test/") || file.startsWith("test/");
const files = globSync(["contracts/**/*.sol", "test/**/*.sol"], { cwd: ROOT_DIR });

const runs = [
  { config: ".solhint.json", files: files.filter((f) => !isTestCode(f)) },
  { config: "test/contracts/.solhint.json", files: files.filter(isTestCode) },
];
let failed = false;
for (const run of runs) {
  if (run.files.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    [solhint, "--disc", "--noPoster", "--max-warnings", "0", "-c", run.config, ...run.files],
    { cwd: ROOT_DIR, stdio: "inherit" },
  );
  failed ||= result.status !== 0;
}
if (failed) process.exitCode = 1;
else console.log(`solhint: ${files.length} Solidity files clean`);
