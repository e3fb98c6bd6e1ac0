#!/usr/bin/env node
// The `cairn` command (node/src/cli). Node ≥ 22.18 runs this TypeScript file directly.
import { main } from "../src/cli/index.ts";

process.exitCode = await main(process.argv.slice(2));
