/**
 * Debts not yet covered by a voucher (`payment_debts`), per peer and side:
 *
 * - `owed`: the client's side, wei received from a provider and not yet signed for;
 * - `due`: the provider's side, wei served to a peer on credit and not yet paid.
 *
 * They change with every block, so each change is committed without an fsync of its own
 * (`relaxedTransaction`): it survives a crash of the process, and a power failure loses at
 * most the changes since the last fsynced commit. A change that goes with a voucher is
 * written inside the voucher's transaction instead, and is as durable as the voucher, so
 * the two never disagree: what a voucher paid is never still owed.
 */
import type { Database, MetadataStore, StatementSync } from "../store/metadata/index.ts";

export type DebtSide = "owed" | "due";

const UPSERT = `INSERT INTO payment_debts (peer_id, side, amount, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (peer_id, side) DO UPDATE SET amount = excluded.amount, updated_at = excluded.updated_at`;

export class DebtTable {
  private readonly metadata: MetadataStore;
  /** `set` runs once per block: its statement is prepared once per connection. */
  private upsert: { db: Database; statement: StatementSync } | undefined;

  constructor(metadata: MetadataStore) {
    this.metadata = metadata;
  }

  /** Every peer's debt on `side`, zero rows left out. */
  all(side: DebtSide): Map<string, bigint> {
    const rows = this.metadata.database
      .prepare("SELECT peer_id, amount FROM payment_debts WHERE side = ?")
      .all(side) as Array<{ peer_id: string; amount: string }>;
    const debts = new Map<string, bigint>();
    for (const row of rows) {
      const amount = BigInt(row.amount);
      if (amount !== 0n) debts.set(row.peer_id, amount);
    }
    return debts;
  }

  get(peer: string, side: DebtSide): bigint {
    const row = this.metadata.database
      .prepare("SELECT amount FROM payment_debts WHERE peer_id = ? AND side = ?")
      .get(peer, side) as { amount: string } | undefined;
    return row === undefined ? 0n : BigInt(row.amount);
  }

  /** Records `peer`'s debt on `side` (in the caller's transaction if there is one). */
  set(peer: string, side: DebtSide, amount: bigint): void {
    this.metadata.relaxedTransaction((db) => {
      if (this.upsert?.db !== db) this.upsert = { db, statement: db.prepare(UPSERT) };
      this.upsert.statement.run(peer, side, amount.toString(), Date.now());
    });
  }
}
