import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/system/**/*.test.ts"],
    // Whole networks of node processes: one file at a time on a 2-core machine.
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
