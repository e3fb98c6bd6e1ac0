/**
 * Branch coverage from Hardhat's statement coverage. EDR instruments statements only, so
 * Hardhat's lcov has no branch records. But an `if` is covered on both sides exactly when
 * its first statement on each side ran, and the hit counts that `hardhat test --coverage`
 * saves (coverage/data/**.json, one count per statement tag) say how often each did:
 *
 * - true side: the first statement of the `then` body ran;
 * - false side: the first statement of the `else` body ran, or, without an `else`, the
 *   `if` itself ran more often than its `then` body.
 *
 * The tags are deterministic (source, source name, solc version), so instrumenting a
 * source again with EDR gives the tags the test run counted. Ternaries cannot be seen this
 * way; they are counted and reported as unmeasured (the contracts use none).
 */
import { createRequire } from "node:module";
import { addStatementCoverageInstrumentation } from "@nomicfoundation/edr";

const require = createRequire(import.meta.url);

interface SolcAstNode {
  nodeType: string;
  src: string;
  [key: string]: unknown;
}

interface Solc {
  compile(input: string): string;
}

export interface BranchReport {
  branches: number;
  covered: number;
  ternaries: number;
  /** "line 42: false side never taken" for each side never taken. */
  missed: string[];
}

/** The parse tree of `source`, from the solc the project compiles with. */
function parse(sourceName: string, source: string): SolcAstNode {
  const solc = require("solc") as Solc;
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { [sourceName]: { content: source } },
        settings: { stopAfter: "parsing", outputSelection: { "*": { "": ["ast"] } } },
      }),
    ),
  ) as { sources?: Record<string, { ast: SolcAstNode }>; errors?: { severity: string; message: string }[] };
  const ast = output.sources?.[sourceName]?.ast;
  if (ast === undefined) {
    throw new Error(`solc could not parse ${sourceName}: ${output.errors?.map((e) => e.message).join("; ")}`);
  }
  return ast;
}

function* walk(node: unknown): Generator<SolcAstNode> {
  if (Array.isArray(node)) {
    for (const child of node) yield* walk(child);
  } else if (node !== null && typeof node === "object") {
    const astNode = node as SolcAstNode;
    if (typeof astNode.nodeType === "string") yield astNode;
    for (const value of Object.values(astNode)) if (typeof value === "object") yield* walk(value);
  }
}

/** The first statement a body runs: the body itself, or a block's first statement. */
function firstStatement(body: SolcAstNode | null | undefined): SolcAstNode | undefined {
  if (body === null || body === undefined) return undefined;
  if (body.nodeType === "Block" || body.nodeType === "UncheckedBlock") {
    return (body.statements as SolcAstNode[] | undefined)?.[0];
  }
  return body;
}

/**
 * Branch coverage of `source` (named `sourceName` as Hardhat names it, for example
 * `project/contracts/StorageMarket.sol`) given the hit count of each statement tag.
 */
export function branchCoverage(
  sourceName: string,
  source: string,
  solcVersion: string,
  hits: ReadonlyMap<string, number>,
): BranchReport {
  const { metadata } = addStatementCoverageInstrumentation(source, sourceName, solcVersion);
  const statements = metadata.map((m) => ({
    tag: Buffer.from(m.tag).toString("hex"),
    start: m.startUtf16,
    end: m.endUtf16,
  }));
  if (!statements.some((s) => hits.has(s.tag))) {
    throw new Error(`no statement of ${sourceName} was counted: is it the name the coverage run used?`);
  }
  // solc's offsets are in UTF-8 bytes, EDR's in UTF-16 code units.
  const bytes = Buffer.from(source, "utf8");
  const utf16At = (byteOffset: number) => bytes.subarray(0, byteOffset).toString("utf8").length;
  const lineAt = (utf16: number) => source.slice(0, utf16).split("\n").length;
  const startOf = (node: SolcAstNode) => utf16At(Number(node.src.split(":")[0]));
  /** Hits of the statement beginning at `node`: the innermost instrumented one around it. */
  const hitsOf = (node: SolcAstNode) => {
    const at = startOf(node);
    let best: (typeof statements)[number] | undefined;
    for (const s of statements)
      if (s.start <= at && at < s.end && (best === undefined || s.start > best.start)) best = s;
    if (best === undefined) throw new Error(`${sourceName}:${lineAt(at)}: no instrumented statement here`);
    return hits.get(best.tag) ?? 0;
  };

  const report: BranchReport = { branches: 0, covered: 0, ternaries: 0, missed: [] };
  for (const node of walk(parse(sourceName, source))) {
    if (node.nodeType === "Conditional") report.ternaries++;
    if (node.nodeType !== "IfStatement") continue;
    const line = lineAt(startOf(node));
    const reached = hitsOf(node);
    const thenFirst = firstStatement(node.trueBody as SolcAstNode);
    const elseFirst = firstStatement(node.falseBody as SolcAstNode | null);
    const thenHits = thenFirst === undefined ? reached : hitsOf(thenFirst);
    const elseHits = node.falseBody
      ? elseFirst === undefined
        ? reached
        : hitsOf(elseFirst)
      : reached - thenHits;
    report.branches += 2;
    if (thenHits > 0) report.covered++;
    else report.missed.push(`line ${line}: true side never taken`);
    if (elseHits > 0) report.covered++;
    else report.missed.push(`line ${line}: false side never taken`);
  }
  return report;
}
