/**
 * The sales side's tables. Exported as a migration body (`{ name, up }`); the node's
 * migration list gives it its version (after the market's, whose `held_slots` it extends).
 * The held slot itself (data stored, 'filling' until its fillSlot is mined) lives in the
 * market's `held_slots`; these tables hold what only selling needs.
 */
export const SALES_SCHEMA = {
  name: "sales: candidate slots, collections",
  up: `
    -- Slots the agent heard of (StorageRequested, SlotFreed) and what it did about each.
    -- Rows are written by the chain watcher's handlers, in the transaction that marks the
    -- event handled, and worked through afterwards by the agent's loop.
    --
    --   pending --taken (data fetched, fill mined)--> taken
    --      |----policy or chain says no------------> declined
    --      +----attempts used up -------------------> failed
    CREATE TABLE sales_candidates (
      slot_id         TEXT    PRIMARY KEY,    -- bytes32, 0x-hex
      request_id      TEXT    NOT NULL,
      slot_index      INTEGER NOT NULL CHECK (slot_index >= 0 AND slot_index < 65536),
      kind            TEXT    NOT NULL CHECK (kind IN ('new', 'repair')),
      state           TEXT    NOT NULL CHECK (state IN ('pending', 'taken', 'declined', 'failed')),
      detail          TEXT,                   -- why declined or failed
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,       -- unix ms
      updated_at      INTEGER NOT NULL        -- unix ms
    ) STRICT;
    CREATE INDEX sales_candidates_due ON sales_candidates (state, next_attempt_at);

    -- Payouts collected for held slots once their request ended.
    CREATE TABLE sales_collections (
      slot_id      TEXT    PRIMARY KEY,
      tx_hash      TEXT,                      -- the collect transaction; NULL if found collected
      payment      TEXT,                      -- wei, decimal
      collateral   TEXT,                      -- wei, decimal
      collected_at INTEGER NOT NULL           -- unix ms
    ) STRICT;

    -- Blocks may be shared by slots and datasets (content addressing): before a failed
    -- upload removes its blocks, it asks whether any held slot uses them.
    CREATE INDEX held_slot_blocks_by_cid ON held_slot_blocks (block_cid);
  `,
} as const;
