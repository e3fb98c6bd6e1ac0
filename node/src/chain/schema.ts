/**
 * The chain watcher's tables. Exported as a migration body (`{ name, up }`); the node's
 * migration list gives it its version.
 */
export const CHAIN_SCHEMA = {
  name: "chain watcher",
  up: `
    -- Where each watcher has delivered every event up to: a block and its hash. The hash
    -- is checked at every poll; a mismatch is a reorg deeper than the confirmation depth.
    CREATE TABLE chain_cursors (
      watcher      TEXT    PRIMARY KEY,       -- the watcher's name (one per purpose)
      block_number INTEGER NOT NULL,          -- last block whose events were all delivered
      block_hash   TEXT    NOT NULL           -- its hash, 0x-hex
    ) STRICT;

    -- Earlier cursor positions, newest kept, to find where a deep reorg forked.
    CREATE TABLE chain_checkpoints (
      watcher      TEXT    NOT NULL,
      block_number INTEGER NOT NULL,
      block_hash   TEXT    NOT NULL,
      PRIMARY KEY (watcher, block_number)
    ) STRICT, WITHOUT ROWID;

    -- Events already delivered, keyed by block hash and log index, so a re-scan (after a
    -- crash between an event and the cursor write, or after a reorg) never delivers one
    -- twice. Rows are written in the same transaction as the handlers' own writes.
    CREATE TABLE chain_handled_events (
      watcher      TEXT    NOT NULL,
      block_hash   TEXT    NOT NULL,
      log_index    INTEGER NOT NULL,
      block_number INTEGER NOT NULL,          -- for pruning old rows
      PRIMARY KEY (watcher, block_hash, log_index)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX chain_handled_events_by_block ON chain_handled_events (watcher, block_number);
  `,
} as const;
