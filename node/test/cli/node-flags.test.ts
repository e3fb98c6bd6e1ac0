import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { NODE_FLAGS } from "../../bin/node-flags.ts";

const BIN = fileURLToPath(new URL("../../bin/cairn.ts", import.meta.url));

it("gives the cairn command NODE_FLAGS through its shebang, which runs", () => {
  const shebang = readFileSync(BIN, "utf8").split("\n")[0];
  expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}`);
  // Run as a command, the way an operator's `cairn` is: env must find this Node on PATH.
  const run = spawnSync(BIN, ["--help"], {
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` },
    encoding: "utf8",
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout).toContain("Usage: cairn <command>");
});
