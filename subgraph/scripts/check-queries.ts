/**
 * Checks queries/*.graphql before Graph Client builds its SDK from them: one named
 * operation per file. Graph Client keys each operation's persisted-operation entry by the
 * SHA-256 of the whole file it came from, so two operations in one file share a key, and
 * the generated `documentHashMap` gets duplicate keys (the second silently wins).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse } from "graphql";
import { SUBGRAPH_DIR } from "./render-manifest.ts";

const dir = join(SUBGRAPH_DIR, "queries");
const problems: string[] = [];
for (const name of readdirSync(dir).filter((f) => f.endsWith(".graphql"))) {
  const operations = parse(readFileSync(join(dir, name), "utf8")).definitions.filter(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operations.length !== 1)
    problems.push(
      `queries/${name} holds ${operations.length} operations (${operations.map((o) => o.name?.value ?? "anonymous").join(", ")}); put each in its own file`,
    );
  else if (operations[0]?.name === undefined) problems.push(`queries/${name}: name the operation`);
}
if (problems.length > 0) {
  console.error(`error: ${problems.join("\nerror: ")}`);
  process.exit(1);
}
