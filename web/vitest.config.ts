import { defineConfig } from "vitest/config";

// Unit tests: actions, queries and hooks against a real chain, deployment and indexer that
// test/support/global-setup.ts starts once; pure helpers run without them. The browser
// test has its own config (test/e2e/vitest.config.ts).
export default defineConfig({
  test: {
    root: new URL(".", import.meta.url).pathname,
    include: ["test/unit/**/*.test.{ts,tsx}"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Chain-backed files each use their own dev accounts, so they may run side by side.
    fileParallelism: true,
    // The repository root also holds React 18 (a dependency of a dependency of the node);
    // the libraries that import React must be processed by Vite so `dedupe` gives them web's.
    server: { deps: { inline: ["wagmi", "@tanstack/react-query", "@testing-library/react"] } },
  },
  esbuild: { jsx: "automatic" },
  // As in next.config.ts: the Graph Client SDK imports this types-only package as a value.
  resolve: {
    dedupe: ["react", "react-dom"],
    alias: {
      "@graphql-typed-document-node/core": new URL("./src/lib/type-only-module.ts", import.meta.url).pathname,
    },
  },
});
