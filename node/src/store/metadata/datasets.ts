import type { CID } from "multiformats/cid";
import { DatasetHeldForDealError, DatasetNotFoundError } from "./errors.ts";
import type { MetadataStore } from "./metadata-store.ts";
import type { StatementSync } from "./sqlite.ts";

type CidLike = CID | string;

export interface NewDataset {
  /** What users refer to the dataset by: the manifest CID when erasure-coded, otherwise the root CID. */
  cid: CidLike;
  rootCid: CidLike;
  manifestCid?: CidLike;
  /** Bytes of the original file. */
  size: number;
  encrypted?: boolean;
  /** Unix time in ms. @default Date.now() */
  createdAt?: number;
}

export interface Dataset {
  cid: string;
  rootCid: string;
  manifestCid: string | undefined;
  size: number;
  blockCount: number;
  encrypted: boolean;
  heldForDeal: boolean;
  /** Unix time in ms. */
  createdAt: number;
}

interface Row {
  cid: string;
  root_cid: string;
  manifest_cid: string | null;
  size: number;
  block_count: number;
  encrypted: number;
  held_for_deal: number;
  created_at: number;
}

function toDataset(row: Row): Dataset {
  return {
    cid: row.cid,
    rootCid: row.root_cid,
    manifestCid: row.manifest_cid ?? undefined,
    size: row.size,
    blockCount: row.block_count,
    encrypted: row.encrypted === 1,
    heldForDeal: row.held_for_deal === 1,
    createdAt: row.created_at,
  };
}

const COLUMNS = "cid, root_cid, manifest_cid, size, block_count, encrypted, held_for_deal, created_at";

/**
 * The `datasets` and `dataset_blocks` tables. The upload pipeline calls `put` only after
 * every block is durable in the block store, so a row here promises its blocks exist;
 * `delete` removes the row first and returns the blocks that no other dataset uses, for
 * the caller to remove from the block store afterwards (a crash in between leaves
 * unreferenced blocks, never a dataset with missing blocks).
 */
export class DatasetTable {
  private readonly statements = new Map<string, StatementSync>();
  private readonly store: MetadataStore;

  constructor(store: MetadataStore) {
    this.store = store;
  }

  /** Records a dataset and its blocks. Idempotent: putting the same dataset again keeps its creation time and deal flag. */
  put(dataset: NewDataset, blocks: Iterable<CidLike>): Dataset {
    const cid = String(dataset.cid);
    return this.store.transaction(() => {
      this.statement(
        `INSERT INTO datasets (cid, root_cid, manifest_cid, size, block_count, encrypted, created_at)
         VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (cid) DO NOTHING`,
      ).run(
        cid,
        String(dataset.rootCid),
        dataset.manifestCid === undefined ? null : String(dataset.manifestCid),
        dataset.size,
        dataset.encrypted === true ? 1 : 0,
        dataset.createdAt ?? Date.now(),
      );
      const insert = this.statement(
        "INSERT OR IGNORE INTO dataset_blocks (dataset_cid, block_cid) VALUES (?, ?)",
      );
      for (const block of blocks) insert.run(cid, String(block));
      this.statement(
        "UPDATE datasets SET block_count = (SELECT count(*) FROM dataset_blocks WHERE dataset_cid = ?) WHERE cid = ?",
      ).run(cid, cid);
      return this.mustGet(cid);
    });
  }

  get(cid: CidLike): Dataset | undefined {
    const row = this.statement(`SELECT ${COLUMNS} FROM datasets WHERE cid = ?`).get(String(cid)) as
      | Row
      | undefined;
    return row === undefined ? undefined : toDataset(row);
  }

  has(cid: CidLike): boolean {
    return this.statement("SELECT 1 FROM datasets WHERE cid = ?").get(String(cid)) !== undefined;
  }

  /** Datasets, oldest first. */
  list(options: { limit?: number; offset?: number } = {}): Dataset[] {
    const rows = this.statement(
      `SELECT ${COLUMNS} FROM datasets ORDER BY created_at, cid LIMIT ? OFFSET ?`,
    ).all(options.limit ?? -1, options.offset ?? 0) as unknown as Row[];
    return rows.map(toDataset);
  }

  count(): number {
    return (this.statement("SELECT count(*) AS n FROM datasets").get() as { n: number }).n;
  }

  /** The CIDs of a dataset's blocks, streamed from the database. */
  *blocks(cid: CidLike): Generator<string> {
    const rows = this.statement(
      "SELECT block_cid FROM dataset_blocks WHERE dataset_cid = ? ORDER BY block_cid",
    ).iterate(String(cid)) as Iterable<{ block_cid: string }>;
    for (const row of rows) yield row.block_cid;
  }

  /** True when some dataset uses the block. */
  isBlockReferenced(block: CidLike): boolean {
    return (
      this.statement("SELECT 1 FROM dataset_blocks WHERE block_cid = ? LIMIT 1").get(String(block)) !==
      undefined
    );
  }

  setHeldForDeal(cid: CidLike, held: boolean): void {
    const { changes } = this.statement("UPDATE datasets SET held_for_deal = ? WHERE cid = ?").run(
      held ? 1 : 0,
      String(cid),
    );
    if (changes === 0) throw new DatasetNotFoundError(`dataset ${cid} not found`);
  }

  /**
   * Removes a dataset and returns the blocks no other dataset uses, which the caller then
   * deletes from the block store. Refuses datasets held for a deal.
   */
  delete(cid: CidLike): { orphanedBlocks: string[] } {
    const key = String(cid);
    return this.store.transaction(() => {
      const dataset = this.mustGet(key);
      if (dataset.heldForDeal) throw new DatasetHeldForDealError(`dataset ${key} is held for a storage deal`);
      const orphaned = this.statement(
        `SELECT block_cid FROM dataset_blocks AS mine WHERE dataset_cid = ?
           AND NOT EXISTS (SELECT 1 FROM dataset_blocks AS other
                           WHERE other.block_cid = mine.block_cid AND other.dataset_cid != mine.dataset_cid)`,
      ).all(key) as unknown as Array<{ block_cid: string }>;
      this.statement("DELETE FROM datasets WHERE cid = ?").run(key);
      return { orphanedBlocks: orphaned.map((r) => r.block_cid) };
    });
  }

  /** Drops cached statements; they belong to a connection that is closing. */
  reset(): void {
    this.statements.clear();
  }

  private mustGet(cid: string): Dataset {
    const dataset = this.get(cid);
    if (dataset === undefined) throw new DatasetNotFoundError(`dataset ${cid} not found`);
    return dataset;
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.store.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
