import { availableParallelism } from "node:os";
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
    // Likewise for tests: two files share the two cores, so a test that takes 3 s alone can
    // pass vitest's 5 s default when the machine is loaded as well (one did here). The
    // tests that wait on a chain or a network set their own, longer, timeouts.
    testTimeout: 20_000,
    // At least two files at a time, even on two cores (vitest's default there is one):
    // most files spend their time waiting on chains, sockets and timers, not computing.
    // On a 2-core VM this took the suite from 437 s to 299 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    minWorkers: 1,
  },
});
