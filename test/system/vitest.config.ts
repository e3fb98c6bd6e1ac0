import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/system/**/*.test.ts"],
    // Whole networks of node processes: one file at a time on a 2-core machine.
    testTimeout: 600_000,
    // A network's start: chain, deploy, 8 node processes, up to 120 s for them all to meet
    // (scripts/stack/nodes.ts waitForPeers) and the providers' registration. On a loaded
    // machine the rest alone once took 70 s.
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
