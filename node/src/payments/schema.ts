import type { Migration } from "../store/metadata/index.ts";

/**
 * The payments tables, as one migration. It is exported rather than appended to the
 * store's MIGRATIONS here so that the integrator decides its version number; tests append
 * it themselves: `[...MIGRATIONS, { version: MIGRATIONS.length + 1, ...PAYMENTS_SCHEMA }]`.
 *
 * Amounts are wei as decimal TEXT: they are uint256 on-chain and do not fit SQLite's
 * 64-bit INTEGER. They are compared in code, never in SQL.
 */
export const PAYMENTS_SCHEMA = {
  name: "payments",
  up: `
    -- Provider side: the latest voucher received on each channel that pays us. A row is
    -- written (and committed) before the blocks the voucher pays for count as paid.
    CREATE TABLE payment_vouchers_received (
      channel_id        TEXT    PRIMARY KEY,  -- 0x + 64 hex, lower case
      sender            TEXT    NOT NULL,     -- the channel's sender, checksummed
      peer_id           TEXT    NOT NULL,     -- the libp2p peer that sent the voucher
      cumulative_amount TEXT    NOT NULL,     -- wei, the running total signed over to us
      signature         TEXT    NOT NULL,     -- 0x + 130 hex
      settled_amount    TEXT    NOT NULL DEFAULT '0', -- wei, what the contract has paid us so far
      closed            INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)), -- closed on-chain
      updated_at        INTEGER NOT NULL      -- unix time, ms
    ) STRICT;

    -- Client side: channels this node opened to providers, and the highest cumulative
    -- amount it has signed on each, so a restart neither pays twice nor loses a payment.
    CREATE TABLE payment_channels_sent (
      channel_id      TEXT    PRIMARY KEY,    -- 0x + 64 hex, lower case
      recipient       TEXT    NOT NULL,       -- the provider's wallet, checksummed
      sender          TEXT    NOT NULL,       -- our wallet, checksummed
      deposited       TEXT    NOT NULL,       -- wei, total deposited as last seen
      cumulative_sent TEXT    NOT NULL DEFAULT '0', -- wei, highest voucher total signed
      state           TEXT    NOT NULL CHECK (state IN ('opening', 'open', 'closing', 'closed')),
      created_at      INTEGER NOT NULL,       -- unix time, ms
      updated_at      INTEGER NOT NULL        -- unix time, ms
    ) STRICT;
    CREATE INDEX payment_channels_sent_by_recipient ON payment_channels_sent (recipient, state);
  `,
} as const;

/**
 * Debts not yet covered by a voucher, on both sides, so a restart forgets none of them.
 * A later migration than PAYMENTS_SCHEMA: nodes that have that one get this on upgrade.
 */
export const PAYMENT_DEBTS_SCHEMA = {
  name: "payment-debts",
  up: `
    -- One row per peer and side. 'owed': wei this node received from the provider and has
    -- not yet signed a voucher for. 'due': wei this node served the peer on credit and has
    -- not yet been paid by a stored voucher (negative when the peer paid ahead).
    CREATE TABLE payment_debts (
      peer_id    TEXT    NOT NULL,            -- libp2p peer id
      side       TEXT    NOT NULL CHECK (side IN ('owed', 'due')),
      amount     TEXT    NOT NULL,            -- wei, a decimal integer
      updated_at INTEGER NOT NULL,            -- unix time, ms
      PRIMARY KEY (peer_id, side)
    ) STRICT;
  `,
} as const;

/** `base` followed by the payments migrations, numbered on (for stores that hold only these). */
export function withPaymentsMigrations(base: readonly Migration[]): Migration[] {
  return [...base, PAYMENTS_SCHEMA, PAYMENT_DEBTS_SCHEMA].map((m, i) => ({ ...m, version: i + 1 }));
}
