/**
 * tsc over every TypeScript project: the root's (scripts, tests, the Hardhat config) and
 * each workspace's own `typecheck` script. tsc is single-threaded and a project takes 10 to
 * 35 s on a 2-core machine, so two or more run at a time. Each project's output is printed
 * whole when it ends, so lines of different projects never interleave.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { ROOT_DIR } from "../lib/paths.ts";

interface Check {
  name: string;
  command: string;
  args: string[];
}

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
// npm sets npm_execpath for the scripts it runs; run directly, `npm` is taken from PATH.
const npm = process.env.npm_execpath;
const npmCommand = (args: string[]) =>
  npm === undefined ? { command: "npm", args } : { command: process.execPath, args: [npm, ...args] };

function workspacesWithTypecheck(): string[] {
  const root = JSON.parse(readFileSync(join(ROOT_DIR, "package.json"), "utf8")) as { workspaces?: string[] };
  return (root.workspaces ?? []).filter((dir) => {
    const pkg = JSON.parse(readFileSync(join(ROOT_DIR, dir, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    return pkg.scripts?.typecheck !== undefined;
  });
}

const checks: Check[] = [
  { name: "root", command: process.execPath, args: [tsc, "-p", "tsconfig.json"] },
  ...workspacesWithTypecheck().map((dir) => ({
    name: dir,
    ...npmCommand(["run", "--silent", "typecheck", "--workspace", dir]),
  })),
];

function run(check: Check): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(check.command, check.args, { cwd: ROOT_DIR, stdio: ["ignore", "pipe", "pipe"] });
    const output: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("error", (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on("close", (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(output).toString("utf8").trim();
      console.log(`tsc ${check.name}: ${code === 0 ? "clean" : "FAILED"} (${seconds} s)`);
      if (code !== 0 && text !== "") console.log(text);
      resolve(code === 0);
    });
  });
}

const queue = [...checks];
const results: boolean[] = [];
const parallel = Math.min(checks.length, Math.max(2, availableParallelism()));
const workers = Array.from({ length: parallel }, async () => {
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) results.push(await run(next));
});
await Promise.all(workers);
if (results.some((ok) => !ok)) process.exitCode = 1;
