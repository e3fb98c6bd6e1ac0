/**
 * Purchasing's tables, as a migration body (`{ name, up }`); the node's migration list
 * gives it its version. A purchase row is written before its `requestStorage` is sent, with
 * the exact request (nonce included), so a crash at any point resumes with the same
 * request id and can never create a second request.
 */
export const PURCHASING_SCHEMA = {
  name: "purchasing",
  up: `
    CREATE TABLE purchases (
      request_id   TEXT    PRIMARY KEY,   -- 0x-hex; derived from client and nonce before sending
      client       TEXT    NOT NULL,      -- the node wallet that sends requestStorage and withdraw
      cid          TEXT    NOT NULL,      -- the dataset manifest CID
      -- quoted | requested | uploading | started | cancelled | failed | finished | withdrawn
      -- | aborted (the request was refused before it reached the chain)
      state        TEXT    NOT NULL,
      request      TEXT    NOT NULL,      -- the IStorageMarket.Request as JSON, integers as strings
      escrow       TEXT    NOT NULL,      -- wei sent with requestStorage
      ends_at      INTEGER,               -- unix s, from the chain once requested
      withdrawn    TEXT,                  -- wei paid back by withdraw
      last_error   TEXT,                  -- why the last step failed, for status
      created_at   INTEGER NOT NULL,      -- unix ms
      updated_at   INTEGER NOT NULL       -- unix ms
    ) STRICT;
    CREATE INDEX purchases_by_state ON purchases (state);

    -- One row per slot: the designated provider, where its data goes, and whether it went.
    CREATE TABLE purchase_slots (
      request_id   TEXT    NOT NULL REFERENCES purchases (request_id) ON DELETE CASCADE,
      slot_index   INTEGER NOT NULL,
      provider     TEXT    NOT NULL,      -- the designated provider's address
      api_url      TEXT    NOT NULL,      -- its REST API origin
      region       TEXT    NOT NULL,
      infrastructure TEXT  NOT NULL,
      pushed       INTEGER NOT NULL DEFAULT 0 CHECK (pushed IN (0, 1)),
      attempts     INTEGER NOT NULL DEFAULT 0,
      last_error   TEXT,
      PRIMARY KEY (request_id, slot_index)
    ) STRICT, WITHOUT ROWID;
  `,
} as const;
