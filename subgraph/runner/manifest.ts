/**
 * The built subgraph (build/subgraph.yaml from `graph build`) as the runner uses it: per
 * data source its compiled mapping, ABI and event handlers keyed by topic0. Addresses and
 * start blocks come from the deployment the runner indexes, not from the build, so one
 * build serves every devnet run.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Abi, type AbiEvent, type Hex, toEventSelector } from "viem";
import { parse } from "yaml";
import { MappingModule } from "./host.ts";

export interface EventHandler {
  /** The manifest's signature, e.g. `SlotFilled(indexed bytes32,indexed address,uint256,bool)`. */
  signature: string;
  handler: string;
  abiEvent: AbiEvent;
}

export interface DataSource {
  name: string;
  network: string;
  abi: Abi;
  mapping: MappingModule;
  handlers: Map<Hex, EventHandler>;
}

export interface Subgraph {
  schemaPath: string;
  dataSources: DataSource[];
}

interface ManifestYaml {
  schema: { file: string };
  dataSources: {
    name: string;
    network: string;
    source: { abi: string };
    mapping: {
      file: string;
      abis: { name: string; file: string }[];
      eventHandlers?: { event: string; handler: string }[];
    };
  }[];
}

/** `Name(indexed address,(uint8,bytes))` without `indexed`, as Solidity hashes it. */
function canonical(signature: string): string {
  return signature.replaceAll("indexed ", "");
}

export function loadSubgraph(manifestPath: string): Subgraph {
  const dir = dirname(manifestPath);
  const manifest = parse(readFileSync(manifestPath, "utf8")) as ManifestYaml;
  const dataSources = manifest.dataSources.map((source): DataSource => {
    const abiFile = source.mapping.abis.find((abi) => abi.name === source.source.abi);
    if (abiFile === undefined)
      throw new Error(`${manifestPath}: ${source.name} lists no ABI ${source.source.abi}`);
    const abi = JSON.parse(readFileSync(join(dir, abiFile.file), "utf8")) as Abi;
    const events = abi.filter((item): item is AbiEvent => item.type === "event");
    const handlers = new Map<Hex, EventHandler>();
    for (const { event: signature, handler } of source.mapping.eventHandlers ?? []) {
      const selector = toEventSelector(canonical(signature));
      const abiEvent = events.find((event) => toEventSelector(event) === selector);
      if (abiEvent === undefined) throw new Error(`${source.name}'s ABI has no event ${signature}`);
      handlers.set(selector, { signature, handler, abiEvent });
    }
    return {
      name: source.name,
      network: source.network,
      abi,
      mapping: new MappingModule(join(dir, source.mapping.file)),
      handlers,
    };
  });
  return { schemaPath: join(dir, manifest.schema.file), dataSources };
}
