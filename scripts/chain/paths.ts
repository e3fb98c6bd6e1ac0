// Where things live in the repo, and how the engine binaries are found.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ChainError } from "./errors.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const GENESIS_FILE = path.join(REPO_ROOT, "genesis", "genesis.json");
export const ETHASH_GENESIS_FILE = path.join(REPO_ROOT, "genesis", "ethash.json");
/** Chain data goes under the git-ignored .cairn/ folder and is wiped at every start. */
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, ".cairn", "chain");

const requireFromRoot = createRequire(path.join(REPO_ROOT, "package.json"));

/** Repo-relative path for messages (absolute if outside the repo). */
export function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r === "" ? "." : r.startsWith("..") ? file : r;
}

/** The @ethereumjs/client CLI script (started with process.execPath, never through npx). */
export function ethereumjsCli(): string {
  let pkgJson: string;
  try {
    pkgJson = requireFromRoot.resolve("@ethereumjs/client/package.json");
  } catch {
    // The package's "exports" may hide package.json; fall back to the folder.
    pkgJson = path.join(REPO_ROOT, "node_modules", "@ethereumjs", "client", "package.json");
  }
  const cli = path.join(path.dirname(pkgJson), "dist", "esm", "bin", "cli.js");
  if (!existsSync(cli))
    throw new ChainError(`@ethereumjs/client is not installed (${rel(cli)} missing); run npm install`);
  return cli;
}

/** The anvil binary shipped in @foundry-rs/anvil-<platform>-<arch> (an optionalDependency). */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  let bin: string;
  try {
    bin = requireFromRoot.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new ChainError(`anvil is not installed for this platform (${pkg} missing); run npm install`);
  }
  return bin;
}
