/**
 * Generates the WASM modules that the isomorphic core embeds (as base64, so a browser
 * bundle and Node load the same bytes without fs or fetch):
 *
 * - node/src/core/hash/cells-wasm.ts: the batched cell hasher, compiled from
 *   node/src/core/hash/cells.as with AssemblyScript (SIMD on);
 * - node/src/core/erasure/encode-wasm.ts: the SIMD Reed-Solomon encoder, from
 *   node/src/core/erasure/encode.as;
 * - node/src/core/erasure/rs-wasm.ts: the Reed-Solomon codec of
 *   @subspace/reed-solomon-erasure.wasm (the Rust reed-solomon-erasure crate).
 *
 *   node node/src/hash/build-wasm.ts           rewrite both files
 *   node node/src/hash/build-wasm.ts --check   fail if either is stale
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const core = fileURLToPath(new URL("../core/", import.meta.url));
const require = createRequire(import.meta.url);

/** Compiles an AssemblyScript source of the core (path relative to node/src/core/). */
function compile(source: string): Uint8Array {
  // asc only reads .ts files, and the source is not TypeScript that tsc accepts: copy it.
  const dir = mkdtempSync(join(tmpdir(), "cairn-asc-"));
  try {
    copyFileSync(join(core, source), join(dir, "cells.ts"));
    const asc = join(require.resolve("assemblyscript/package.json"), "../bin/asc.js");
    execFileSync(
      process.execPath,
      [asc, join(dir, "cells.ts"), "--outFile", join(dir, "cells.wasm"), "-O3", "--runtime", "stub"].concat([
        "--enable",
        "simd",
        "--noAssert",
      ]),
      { stdio: "inherit" },
    );
    return readFileSync(join(dir, "cells.wasm"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function module(source: string, name: string, wasm: Uint8Array): string {
  const base64 = Buffer.from(wasm).toString("base64");
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    "// GENERATED FILE, DO NOT EDIT.",
    `// Written by node/src/hash/build-wasm.ts from ${source}.`,
    "// Regenerate with `node node/src/hash/build-wasm.ts`.",
    "",
    `/** The WASM module's bytes, base64. */`,
    `export const ${name} =`,
    ...lines.map((line, i) => `  "${line}"${i === lines.length - 1 ? ";" : " +"}`),
    "",
  ].join("\n");
}

const outputs: [string, string][] = [
  [
    join(core, "hash/cells-wasm.ts"),
    module("node/src/core/hash/cells.as", "CELLS_WASM", compile("hash/cells.as")),
  ],
  [
    join(core, "erasure/encode-wasm.ts"),
    module("node/src/core/erasure/encode.as", "ENCODE_WASM", compile("erasure/encode.as")),
  ],
  [
    join(core, "erasure/rs-wasm.ts"),
    module(
      "@subspace/reed-solomon-erasure.wasm",
      "RS_WASM",
      readFileSync(
        join(require.resolve("@subspace/reed-solomon-erasure.wasm"), "../reed_solomon_erasure_bg.wasm"),
      ),
    ),
  ],
];

const check = process.argv.includes("--check");
for (const [path, text] of outputs) {
  if (check) {
    if (readFileSync(path, "utf8") !== text) {
      console.error(`${path} is stale; run node node/src/hash/build-wasm.ts`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
