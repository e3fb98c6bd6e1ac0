import { defineConfig } from "vitest/config";

// The browser test: starts the local stack (chain, contracts, indexer, provider node, dApp)
// and drives the dApp in Debian's Chromium. Slow by nature; one file, no parallelism.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/e2e/**/*.e2e.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
