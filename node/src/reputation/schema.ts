/**
 * The reputation table, as a migration body. The lead appends it to MIGRATIONS as
 * `{ version: n, ...REPUTATION_SCHEMA }`; tests append it to a copy.
 */
export const REPUTATION_SCHEMA = {
  name: "reputation",
  up: `
    -- One beta-model record per peer and context. The score is derived, never stored:
    -- (prior + good) / (2 * prior + good + bad), after decaying good and bad for the time
    -- since updated_at.
    CREATE TABLE reputation (
      peer_id    TEXT    NOT NULL,                                 -- libp2p peer id, text form
      context    TEXT    NOT NULL CHECK (context IN ('serving', 'paying', 'storing')),
      good       REAL    NOT NULL CHECK (good >= 0),               -- weighted evidence for
      bad        REAL    NOT NULL CHECK (bad >= 0),                -- weighted evidence against
      events     INTEGER NOT NULL CHECK (events >= 0),             -- events ever recorded
      updated_at INTEGER NOT NULL,                                 -- unix ms that good/bad are as of
      PRIMARY KEY (peer_id, context)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX reputation_by_updated ON reputation (updated_at);

    -- How far each chain log source has been counted (slashes seen in ProviderRegistry
    -- logs), so replaying logs from the deploy block at every start counts nothing twice.
    CREATE TABLE reputation_cursors (
      name      TEXT    PRIMARY KEY,                 -- the log source, e.g. 'registry'
      block     INTEGER NOT NULL CHECK (block >= 0),
      log_index INTEGER NOT NULL CHECK (log_index >= 0)
    ) STRICT;
  `,
} as const;
