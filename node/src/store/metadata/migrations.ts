import type { Database } from "./sqlite.ts";

/**
 * One schema change. Versions run 1, 2, 3, ... with no gaps; each applies in its own
 * transaction together with its row in `schema_migrations`, so a crash mid-migration
 * leaves the previous version intact. Never edit a released migration: append a new one.
 */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Database) => void);
}

/**
 * The node's schema. Later features (sales and purchases state machines, payment
 * channels and their latest vouchers, reputation) append their migrations here.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "datasets",
    up: `
      -- A dataset is what an upload produced. Rows are written only after all of its blocks
      -- are durable in the block store, so a row implies its blocks are present.
      CREATE TABLE datasets (
        cid           TEXT    PRIMARY KEY,  -- what users refer to: the manifest CID, else the root CID
        root_cid      TEXT    NOT NULL,     -- root of the UnixFS DAG (of the ciphertext when encrypted)
        manifest_cid  TEXT,                 -- dag-cbor dataset manifest, when erasure-coded
        size          INTEGER NOT NULL CHECK (size >= 0),        -- bytes of the original file
        block_count   INTEGER NOT NULL CHECK (block_count >= 0), -- rows in dataset_blocks
        encrypted     INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
        held_for_deal INTEGER NOT NULL DEFAULT 0 CHECK (held_for_deal IN (0, 1)), -- deletion refused while 1
        created_at    INTEGER NOT NULL      -- unix time, ms
      ) STRICT;
      CREATE INDEX datasets_by_root ON datasets (root_cid);
      CREATE INDEX datasets_by_created ON datasets (created_at, cid);

      -- Which blocks each dataset uses; a block shared by datasets is kept until none uses it.
      CREATE TABLE dataset_blocks (
        dataset_cid TEXT NOT NULL REFERENCES datasets (cid) ON DELETE CASCADE,
        block_cid   TEXT NOT NULL,
        PRIMARY KEY (dataset_cid, block_cid)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX dataset_blocks_by_block ON dataset_blocks (block_cid);
    `,
  },
];
