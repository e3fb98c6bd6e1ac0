import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Hooks start and stop real chains, nodes and libp2p hosts; on a busy 2-core machine
    // stopping anvil and a few nodes can take longer than vitest's 10 s default.
    hookTimeout: 60_000,
  },
});
