#!/usr/bin/env -S node --max-semi-space-size=8
// The `cairn` command (node/src/cli). Node ≥ 22.18 runs this TypeScript file directly.
// The shebang's flags are NODE_FLAGS (node-flags.ts says why).
import { main } from "../src/cli/index.ts";

process.exitCode = await main(process.argv.slice(2));
