#!/usr/bin/env node
/**
 * Bootstrap: makes `npm start`, `npm test` and the other root commands work on a fresh
 * clone of a machine that has only an older Node and npm.
 *
 * 1. Node 22. Hardhat 3 needs it. When the running Node is older, the pinned Node 22
 *    binary package is installed from the npm registry into .cairn/toolchain/.
 * 2. Dependencies. When node_modules is missing or older than the lockfile and package
 *    manifests, `npm install` runs under Node 22 (under Node 20 npm silently skips
 *    Hardhat's native EDR package), then the committed patch step for the Clique engine,
 *    then the contracts are compiled and the generated contracts module written.
 * 3. Chromium, for the commands that run browser tests: Debian's package, installed with
 *    apt-get when it is missing and we are root; otherwise the command to run is printed.
 *    (Test tools cannot download their own browsers here.)
 * 4. The command. `npm run <script> [-- args]` runs with Node 22 first on PATH, so every
 *    nested script and tool runs on it too.
 *
 * Usage: node scripts/bootstrap.mjs <npm-script> [args...]
 * This file is plain JavaScript for Node 18+, because it runs before Node 22 exists.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Node release the project runs on; the registry package is node-<os>-<arch>. */
const NODE_VERSION = "22.23.3";
const MIN_NODE_MAJOR = 22;

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TOOLCHAIN_DIR = join(ROOT, ".cairn", "toolchain");
const INSTALL_STAMP = join(ROOT, "node_modules", ".cairn-install-stamp");
/** Everything whose change means node_modules must be installed (or patched) again. */
const INSTALL_INPUTS = [
  "package.json",
  "package-lock.json",
  "node/package.json",
  "web/package.json",
  "subgraph/package.json",
  "scripts/chain/patch-ethereumjs.mjs",
];

/** Debian's Chromium, which the browser tests drive with playwright-core. */
const CHROMIUM = "/usr/bin/chromium";
/** The npm scripts that run browser tests. */
const NEEDS_CHROMIUM = new Set(["test:all", "node:test:browser"]);

function log(message) {
  console.error(`[bootstrap] ${message}`);
}

function fail(message) {
  console.error(`[bootstrap] error: ${message}`);
  process.exit(1);
}

function majorOf(version) {
  return Number(version.replace(/^v/, "").split(".")[0]);
}

/** The npm CLI script of the npm that launched us (or the one on PATH). */
function npmCli() {
  if (process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)) {
    return process.env.npm_execpath;
  }
  const which = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" });
  const onPath = which.stdout.trim();
  if (which.status !== 0 || onPath === "") fail("npm was not found on PATH");
  const cli = join(dirname(realpathSync(onPath)), "npm-cli.js");
  if (!existsSync(cli)) fail(`cannot find npm-cli.js next to ${onPath}`);
  return cli;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", ...options });
  if (result.error) fail(`${command} ${args.join(" ")}: ${result.error.message}`);
  return result.status ?? 1;
}

/** Path of a Node >= 22 binary, installing the pinned one when the current Node is older. */
function ensureNode22() {
  if (majorOf(process.version) >= MIN_NODE_MAJOR) return process.execPath;
  const pkg = `node-${process.platform}-${process.arch}`;
  const binary = join(TOOLCHAIN_DIR, "node_modules", pkg, "bin", "node");
  const works = () => {
    if (!existsSync(binary)) return false;
    const probe = spawnSync(binary, ["--version"], { encoding: "utf8" });
    return probe.status === 0 && probe.stdout.trim() === `v${NODE_VERSION}`;
  };
  if (!works()) {
    log(
      `Node ${process.version} is older than ${MIN_NODE_MAJOR}; installing ${pkg}@${NODE_VERSION} from the npm registry`,
    );
    mkdirSync(TOOLCHAIN_DIR, { recursive: true });
    const status = run(process.execPath, [
      npmCli(),
      "install",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--prefix",
      TOOLCHAIN_DIR,
      `${pkg}@${NODE_VERSION}`,
    ]);
    if (status !== 0 || !works())
      fail(`could not install ${pkg}@${NODE_VERSION}; install Node ${MIN_NODE_MAJOR} yourself and retry`);
  }
  return binary;
}

function installFingerprint(node) {
  const hash = createHash("sha256").update(`node ${NODE_VERSION}\n`);
  for (const input of INSTALL_INPUTS) {
    const path = join(ROOT, input);
    hash.update(`${input}\n`).update(existsSync(path) ? readFileSync(path) : "missing");
  }
  return hash.update(spawnSync(node, ["--version"], { encoding: "utf8" }).stdout).digest("hex");
}

/** Installs dependencies under Node 22 when node_modules is missing or stale. */
function ensureDependencies(node, env) {
  if (existsSync(INSTALL_STAMP) && readFileSync(INSTALL_STAMP, "utf8") === installFingerprint(node)) return;
  log("installing dependencies with npm under Node 22 (node_modules is missing or stale)");
  if (run(node, [npmCli(), "install", "--no-audit", "--no-fund"], { env }) !== 0) fail("npm install failed");
  if (run(node, [join(ROOT, "scripts", "chain", "patch-ethereumjs.mjs")], { env }) !== 0) {
    fail("patching @ethereumjs/client failed (see above)");
  }
  // Every package imports ABIs from the generated contracts module, which a fresh clone
  // lacks; the commands that change contracts regenerate it themselves.
  if (run(node, [npmCli(), "run", "--silent", "contracts:generate"], { env }) !== 0) {
    fail("compiling the contracts and generating node/src/generated/contracts.ts failed (see above)");
  }
  // The fingerprint is taken after install, which may have rewritten the lockfile.
  writeFileSync(INSTALL_STAMP, installFingerprint(node));
}

/** Installs Debian's Chromium when it is missing, or fails with the command to run. */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const canInstall = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  const command = "apt-get update && apt-get install -y chromium";
  if (!canInstall)
    fail(`the browser tests need Chromium at ${CHROMIUM}; install it as root with: ${command}`);
  log(`installing Debian's Chromium for the browser tests: ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (
    run("apt-get", ["update"], { env }) !== 0 ||
    run("apt-get", ["install", "-y", "chromium"], { env }) !== 0
  ) {
    fail(`could not install Chromium; run as root: ${command}`);
  }
  if (!existsSync(CHROMIUM)) fail(`apt-get installed chromium but ${CHROMIUM} is missing`);
}

function main() {
  const [script, ...args] = process.argv.slice(2);
  if (!script) fail("usage: node scripts/bootstrap.mjs <npm-script> [args...]");

  const node = ensureNode22();
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` };
  ensureDependencies(node, env);
  if (NEEDS_CHROMIUM.has(script)) ensureChromium();

  const child = spawn(node, [npmCli(), "run", "--silent", script, ...(args.length ? ["--", ...args] : [])], {
    cwd: ROOT,
    env,
    stdio: "inherit",
  });
  // Signals are passed on and we wait for the child to finish its own clean-up. (A
  // terminal's Ctrl-C reaches the child directly too; its handlers are idempotent.)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 1);
  });
}

main();
