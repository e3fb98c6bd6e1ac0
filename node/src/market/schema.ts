/**
 * The market agent's tables. Exported as a migration body (`{ name, up }`); the node's
 * migration list gives it its version (after the chain watcher's).
 */
export const MARKET_SCHEMA = {
  name: "market: held slots, proofs, validator",
  up: `
    -- The slots this node holds or is filling, with what proving needs: where the data is
    -- (block CIDs in held_slot_blocks, the per-block tree roots here) and the request's
    -- proof terms. The sales side inserts rows ('filling'), and marks them 'filled' once its
    -- fillSlot is mined; the prover moves them to 'freed' or 'ended' when the chain says so.
    --
    --   filling --fillSlot mined--> filled --host removed (misses, freeSlot)--> freed
    --                                 |
    --                                 +--request finished, failed or cancelled--> ended
    CREATE TABLE held_slots (
      slot_id           TEXT    PRIMARY KEY,  -- bytes32, 0x-hex: request id | index
      request_id        TEXT    NOT NULL,     -- bytes32, 0x-hex
      slot_index        INTEGER NOT NULL CHECK (slot_index >= 0 AND slot_index < 65536),
      dataset_cid       TEXT    NOT NULL,     -- the dataset manifest's CID (the request's cid)
      slot_root         TEXT    NOT NULL,     -- bytes32, 0x-hex: the on-chain slot root
      slot_size         INTEGER NOT NULL CHECK (slot_size > 0),  -- bytes
      block_size        INTEGER NOT NULL CHECK (block_size > 0), -- bytes per block
      cell_size         INTEGER NOT NULL CHECK (cell_size > 0),  -- bytes per cell
      block_roots       BLOB    NOT NULL,     -- 32 B per block: each block's sub-tree root, in order
      proof_probability INTEGER NOT NULL CHECK (proof_probability >= 1),
      ends_at           INTEGER NOT NULL,     -- the request's end, unix s
      state             TEXT    NOT NULL CHECK (state IN ('filling', 'filled', 'freed', 'ended')),
      filled_period     INTEGER,              -- the fill's period; proofs are due after it
      created_at        INTEGER NOT NULL,     -- unix ms
      updated_at        INTEGER NOT NULL      -- unix ms
    ) STRICT;
    CREATE INDEX held_slots_by_state ON held_slots (state);
    CREATE INDEX held_slots_by_request ON held_slots (request_id);

    -- The slot's blocks in slot order (block i of the slot is stripe i's block): the CIDs
    -- to read from the block store when a sample falls in them.
    CREATE TABLE held_slot_blocks (
      slot_id   TEXT    NOT NULL REFERENCES held_slots (slot_id) ON DELETE CASCADE,
      position  INTEGER NOT NULL CHECK (position >= 0),
      block_cid TEXT    NOT NULL,
      PRIMARY KEY (slot_id, position)
    ) STRICT, WITHOUT ROWID;

    -- What the prover did for each slot in each period that owed a proof.
    CREATE TABLE slot_proofs (
      slot_id     TEXT    NOT NULL,
      period      INTEGER NOT NULL,
      outcome     TEXT    NOT NULL CHECK (outcome IN ('submitted', 'missed')),
      tx_hash     TEXT,                       -- the submitProofs transaction, when submitted
      detail      TEXT,                       -- why, when missed
      recorded_at INTEGER NOT NULL,           -- unix ms
      PRIMARY KEY (slot_id, period)
    ) STRICT, WITHOUT ROWID;

    -- The validator's view of running requests and their hosts, built from chain events.
    CREATE TABLE validator_requests (
      request_id        TEXT    PRIMARY KEY,
      proof_probability INTEGER NOT NULL CHECK (proof_probability >= 1),
      ends_at           INTEGER NOT NULL,     -- unix s
      start_period      INTEGER,              -- set by RequestStarted
      state             TEXT    NOT NULL CHECK (state IN ('new', 'started', 'ended'))
    ) STRICT;
    CREATE TABLE validator_slots (
      slot_id      TEXT    PRIMARY KEY,
      request_id   TEXT    NOT NULL REFERENCES validator_requests (request_id) ON DELETE CASCADE,
      host         TEXT    NOT NULL,
      filled_block INTEGER NOT NULL           -- the fill's block; its period owes nothing more
    ) STRICT;
    CREATE INDEX validator_slots_by_request ON validator_slots (request_id);

    -- Misses the validator dealt with, so that it asks the chain about each only once.
    CREATE TABLE validator_marks (
      slot_id     TEXT    NOT NULL,
      period      INTEGER NOT NULL,
      outcome     TEXT    NOT NULL CHECK (outcome IN ('marked', 'not-missing')),
      tx_hash     TEXT,
      reward      TEXT,                        -- wei, decimal, when marked
      recorded_at INTEGER NOT NULL,
      PRIMARY KEY (slot_id, period)
    ) STRICT, WITHOUT ROWID;
  `,
} as const;
