import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // test/system (whole daemons under timing: RPC outages, 20 concurrent paid downloads)
    // runs after the rest, one file at a time (`npm run test:system`), so that the other
    // files' load does not decide whether a period's proof or a block lands in time.
    include: ["test/**/*.test.ts"],
    // Hooks start and stop real chains, nodes and libp2p hosts; on a busy 2-core machine
    // stopping anvil and a few nodes can take longer than vitest's 10 s default.
    hookTimeout: 60_000,
  },
});
