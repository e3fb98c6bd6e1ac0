/**
 * Writes the shared proof vectors (test/contracts/vectors/slot-proofs.json).
 *
 *   node scripts/vectors/build.ts           rewrite the file
 *   node scripts/vectors/build.ts --check   fail if node/src/core no longer produces it
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runCli } from "../lib/cli.ts";
import { writeFileAtomic } from "../lib/atomic-write.ts";
import { buildVectors, VECTORS_FILE } from "./vectors.ts";

await runCli(async () => {
  const path = fileURLToPath(VECTORS_FILE);
  const text = `${JSON.stringify(buildVectors(), null, 1)}\n`;
  if (process.argv.includes("--check")) {
    if (readFileSync(path, "utf8") !== text) {
      throw new Error(`${path} is stale: node/src/core changed; regenerate it and review the diff`);
    }
    console.log(`${path} matches node/src/core`);
    return;
  }
  writeFileAtomic(path, text);
  console.log(`wrote ${path}`);
});
