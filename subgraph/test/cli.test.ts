import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../runner/cli.ts", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

describe("indexer command line", () => {
  it("prints its help", () => {
    const result = run("--help");
    assert.equal(result.status, 0);
    assert.match(result.stdout, /Usage: npm run indexer/);
  });

  for (const [args, message] of [
    [["--colour"], /Unknown option '--colour'/],
    [["--port", "99999"], /--port must be a port number from 1 to 65535, got "99999"/],
    [["--rpc-url", "localhost:8545"], /--rpc-url must be an http\(s\) URL/],
    [["--deployment", "/no/such/file.json"], /--deployment \/no\/such\/file\.json does not exist/],
  ] as const) {
    it(`refuses ${args.join(" ")} with one line and exit code 2`, () => {
      const result = run(...args);
      assert.equal(result.status, 2);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1);
    });
  }
});
