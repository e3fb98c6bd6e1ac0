/**
 * The node's durable storage: blocks in files (`blocks/`) and metadata in SQLite
 * (`metadata/`). `dataDirLayout` says where each lives inside the data folder, so the
 * node, the CLI and the operator guide agree.
 */
import { join } from "node:path";
import { METADATA_FILE } from "./metadata/constants.ts";

/** The block store's folder inside the data folder. */
export const BLOCKS_DIR = "blocks";

export interface DataDirLayout {
  /** The block store's root. */
  blocks: string;
  /** The SQLite metadata database. */
  metadata: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  return { blocks: join(dataDir, BLOCKS_DIR), metadata: join(dataDir, METADATA_FILE) };
}
