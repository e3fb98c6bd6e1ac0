/** Opens the built subgraph over an embedded store, for a deployment. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { loadSubgraph, type Subgraph } from "./manifest.ts";
import { type DeploymentSources, SubgraphRunner } from "./runner.ts";
import { loadSchema, type SchemaInfo } from "./schema.ts";
import { EntityStore } from "./store.ts";

export const BUILD_MANIFEST = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "build",
  "subgraph.yaml",
);

export interface OpenedSubgraph {
  subgraph: Subgraph;
  schema: SchemaInfo;
  store: EntityStore;
  runner: SubgraphRunner;
}

export function openSubgraph(options: {
  deployment: DeploymentSources;
  /** SQLite file, or ":memory:". */
  dbPath: string;
  manifestPath?: string;
  log?: (level: number, message: string) => void;
}): OpenedSubgraph {
  const manifestPath = options.manifestPath ?? BUILD_MANIFEST;
  if (!existsSync(manifestPath)) {
    throw new Error(`no built subgraph at ${manifestPath}: run \`npm run build -w @cairn/subgraph\` first`);
  }
  const subgraph = loadSubgraph(manifestPath);
  const schema = loadSchema(subgraph.schemaPath);
  const store = new EntityStore(options.dbPath);
  const runner = new SubgraphRunner({
    subgraph,
    schema,
    store,
    deployment: options.deployment,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return { subgraph, schema, store, runner };
}
