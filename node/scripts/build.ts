/**
 * Compiles the node, `src/` and `bin/`, to JavaScript in `dist/`; `npm start` and
 * `npm run bench:data` run `dist/bin/cairn.js`, and so should an operator.
 *
 * Node 22 runs the TypeScript sources as they are, which is what the tests and
 * `node bin/cairn.ts` do, but it strips their types with a WebAssembly copy of swc that
 * each thread loads for itself. Measured here: importing the node's modules takes 185 MiB
 * of RSS from source and 162 MiB compiled; a stripe worker adds 53 MiB from source and
 * 25 MiB compiled. Against the 300 MiB budget for moving 1 GiB (data.md), that matters.
 *
 * The TypeScript compiler emits (tsconfig.build.json: relative imports rewritten from .ts
 * to .js, no type check, which `npm run typecheck` does), and the plain `.js` modules under
 * `src/` (protons' generated codecs) are copied beside them. Nothing happens when `dist/` is
 * newer than every source, unless `--force`.
 *
 *   node scripts/build.ts [--force]
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const nodeRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(nodeRoot, "dist");
const STAMP = ".build-stamp";
const stamp = join(dist, STAMP);
const inputs = ["src", "bin", "tsconfig.json", "tsconfig.build.json", "../tsconfig.base.json"];

/** Every file under `path` (or `path` itself). */
function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Whether some input changed after the last build. */
export function stale(): boolean {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return inputs.some((input) => files(join(nodeRoot, input)).some((file) => statSync(file).mtimeMs > built));
}

/**
 * Builds `dist/` from scratch, in a folder of its own that then takes dist/'s place, so a
 * node already running from dist/ (it loads its stripe worker's module on each upload)
 * never sees a half-built tree, and a failed build leaves the last one as it was.
 */
export function build(): void {
  const next = `${dist}.next-${process.pid}`;
  const old = `${dist}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  try {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", join(nodeRoot, "tsconfig.build.json"), "--outDir", next], {
      stdio: "inherit",
    });
    const src = join(nodeRoot, "src");
    for (const file of files(src).filter((f) => f.endsWith(".js")))
      cpSync(file, join(next, "src", relative(src, file)));
    writeFileSync(join(next, STAMP), `${new Date().toISOString()}\n`);
    if (existsSync(dist)) renameSync(dist, old);
    try {
      renameSync(next, dist);
    } catch (err) {
      if (existsSync(old)) renameSync(old, dist); // keep the last build
      throw err;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { force: { type: "boolean", default: false } } });
  if (values.force || stale()) {
    const started = performance.now();
    build();
    console.error(
      `built ${relative(process.cwd(), dist) || "."} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } else {
    console.error("dist/ is up to date");
  }
}
