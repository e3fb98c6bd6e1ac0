/**
 * `npm run coverage`: runs the contract tests under Hardhat's coverage
 * (`hardhat test --coverage`, which writes coverage/lcov.info and per-statement hit counts
 * under coverage/data/), then prints line and branch coverage of the three contracts and
 * fails below 95% of lines or 90% of branches.
 *
 * Lines come from Hardhat's lcov. Branches are derived from the same run's statement hits
 * (branches.ts explains how), because EDR reports no branch data. A branch is one side of
 * an `if`/`else`; the operands of `&&` and `||` inside a condition are not counted apart.
 */
import { spawnSync } from "node:child_process";
import { globSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT_DIR } from "../lib/paths.ts";
import { runCli } from "../lib/cli.ts";
import { branchCoverage } from "./branches.ts";

const CONTRACTS = [
  "contracts/ProviderRegistry.sol",
  "contracts/StorageMarket.sol",
  "contracts/PaymentChannels.sol",
];
const BARS = { lines: 95, branches: 90 } as const;
const SOLC_VERSION = "0.8.28";
const COVERAGE_DIR = join(ROOT_DIR, "coverage");

/** Line hits per file from an lcov tracefile. */
function readLcov(path: string): Map<string, { found: number; hit: number; missed: number[] }> {
  const files = new Map<string, { found: number; hit: number; missed: number[] }>();
  let current: { found: number; hit: number; missed: number[] } | undefined;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.startsWith("SF:")) {
      current = { found: 0, hit: 0, missed: [] };
      files.set(line.slice(3), current);
    } else if (line.startsWith("DA:") && current !== undefined) {
      const [lineNumber, count] = line.slice(3).split(",").map(Number);
      current.found++;
      if ((count ?? 0) > 0) current.hit++;
      else current.missed.push(lineNumber ?? 0);
    }
  }
  return files;
}

/** Statement tag → hits, summed over the Solidity and TypeScript test runs. */
function readHits(): Map<string, number> {
  const hits = new Map<string, number>();
  for (const file of globSync("data/**/*.json", { cwd: COVERAGE_DIR })) {
    const counts = JSON.parse(readFileSync(join(COVERAGE_DIR, file), "utf8")) as Record<string, number>;
    for (const [tag, count] of Object.entries(counts)) hits.set(tag, (hits.get(tag) ?? 0) + count);
  }
  return hits;
}

const percent = (part: number, whole: number) => (whole === 0 ? 100 : (100 * part) / whole);

await runCli(async () => {
  rmSync(COVERAGE_DIR, { recursive: true, force: true });
  const hardhat = join(ROOT_DIR, "node_modules", "hardhat", "dist", "src", "cli.js");
  const run = spawnSync(process.execPath, [hardhat, "test", "--coverage"], {
    cwd: ROOT_DIR,
    stdio: "inherit",
  });
  if (run.status !== 0) throw new Error(`hardhat test --coverage failed (exit ${run.status})`);

  const lines = readLcov(join(COVERAGE_DIR, "lcov.info"));
  const hits = readHits();
  const results = CONTRACTS.map((file) => {
    const lineData = lines.get(file);
    if (lineData === undefined) throw new Error(`${file} is not in coverage/lcov.info`);
    const branches = branchCoverage(
      `project/${file}`,
      readFileSync(join(ROOT_DIR, file), "utf8"),
      SOLC_VERSION,
      hits,
    );
    return {
      file,
      lines: percent(lineData.hit, lineData.found),
      linesText: `${lineData.hit}/${lineData.found}`,
      branches: percent(branches.covered, branches.branches),
      branchesText: `${branches.covered}/${branches.branches}`,
      missedLines: lineData.missed,
      missedBranches: branches.missed,
      ternaries: branches.ternaries,
    };
  });

  console.log(`\ncoverage of the contracts (bars: ${BARS.lines}% lines, ${BARS.branches}% branches)\n`);
  console.log(`${"contract".padEnd(34)} ${"lines".padStart(18)} ${"branches".padStart(18)}`);
  for (const r of results) {
    const lineCell = `${r.lines.toFixed(2)}% ${r.linesText}`;
    const branchCell = `${r.branches.toFixed(2)}% ${r.branchesText}`;
    console.log(`${r.file.padEnd(34)} ${lineCell.padStart(18)} ${branchCell.padStart(18)}`);
    if (r.missedLines.length > 0) console.log(`  lines not run: ${r.missedLines.join(", ")}`);
    for (const missed of r.missedBranches) console.log(`  ${missed}`);
    if (r.ternaries > 0) console.log(`  ${r.ternaries} ternaries not measured`);
  }
  const pass = results.every((r) => r.lines >= BARS.lines && r.branches >= BARS.branches);
  const summary = Object.fromEntries(
    results.map((r) => [
      r.file.replace(/^contracts\/|\.sol$/g, ""),
      { lines: Number(r.lines.toFixed(2)), branches: Number(r.branches.toFixed(2)) },
    ]),
  );
  console.log(JSON.stringify({ ...summary, bars: BARS, pass }));
  if (!pass) process.exitCode = 1;
});
