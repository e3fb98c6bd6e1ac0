import type { Hex } from "viem";
import type { MetadataStore, StatementSync } from "../store/metadata/index.ts";
import { HeldSlotNotFoundError, InvalidHeldSlotError } from "./errors.ts";

export type HeldSlotState = "filling" | "filled" | "freed" | "ended";

/** What the sales side records when it takes a slot (schema.ts, `held_slots`). */
export interface NewHeldSlot {
  slotId: Hex;
  requestId: Hex;
  slotIndex: number;
  /** The dataset manifest's CID. */
  datasetCid: string;
  /** The on-chain slot root. */
  slotRoot: Hex;
  slotSize: number;
  blockSize: number;
  cellSize: number;
  /** 32 B per block, the block sub-tree roots in slot order (`SlotLayers.blockRoots()`). */
  blockRoots: Uint8Array;
  /** The slot's block CIDs in slot order. */
  blockCids: readonly string[];
  proofProbability: number;
  /** The request's end, unix s. */
  endsAt: number;
  /** @default "filling" */
  state?: HeldSlotState;
  /** Required when the state is "filled". */
  filledPeriod?: bigint;
}

export interface HeldSlot extends Omit<NewHeldSlot, "blockCids" | "state" | "filledPeriod"> {
  state: HeldSlotState;
  filledPeriod: bigint | undefined;
}

export type ProofOutcome = "submitted" | "missed";

interface Row {
  slot_id: Hex;
  request_id: Hex;
  slot_index: number;
  dataset_cid: string;
  slot_root: Hex;
  slot_size: number;
  block_size: number;
  cell_size: number;
  block_roots: Uint8Array;
  proof_probability: number;
  ends_at: number;
  state: HeldSlotState;
  filled_period: number | null;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function toSlot(row: Row): HeldSlot {
  return {
    slotId: row.slot_id,
    requestId: row.request_id,
    slotIndex: row.slot_index,
    datasetCid: row.dataset_cid,
    slotRoot: row.slot_root,
    slotSize: row.slot_size,
    blockSize: row.block_size,
    cellSize: row.cell_size,
    blockRoots: new Uint8Array(row.block_roots),
    proofProbability: row.proof_probability,
    endsAt: row.ends_at,
    state: row.state,
    filledPeriod: row.filled_period === null ? undefined : BigInt(row.filled_period),
  };
}

function check(slot: NewHeldSlot): void {
  for (const field of ["slotId", "requestId", "slotRoot"] as const)
    if (!BYTES32.test(slot[field]))
      throw new InvalidHeldSlotError(field, `must be 32 bytes of 0x-hex, got ${slot[field]}`);
  if (!Number.isSafeInteger(slot.blockSize) || slot.blockSize <= 0 || slot.slotSize % slot.blockSize !== 0)
    throw new InvalidHeldSlotError(
      "slotSize",
      `${slot.slotSize} B is not a whole number of ${slot.blockSize} B blocks`,
    );
  if (!Number.isSafeInteger(slot.cellSize) || slot.cellSize <= 0 || slot.blockSize % slot.cellSize !== 0)
    throw new InvalidHeldSlotError(
      "cellSize",
      `${slot.cellSize} B does not divide a ${slot.blockSize} B block`,
    );
  const blocks = slot.slotSize / slot.blockSize;
  if (slot.blockCids.length !== blocks)
    throw new InvalidHeldSlotError(
      "blockCids",
      `a slot of ${blocks} blocks needs ${blocks} CIDs, got ${slot.blockCids.length}`,
    );
  if (slot.blockRoots.length !== blocks * 32)
    throw new InvalidHeldSlotError(
      "blockRoots",
      `a slot of ${blocks} blocks needs ${blocks * 32} B, got ${slot.blockRoots.length}`,
    );
  if (!Number.isSafeInteger(slot.proofProbability) || slot.proofProbability < 1)
    throw new InvalidHeldSlotError(
      "proofProbability",
      `must be a positive integer, got ${slot.proofProbability}`,
    );
  if ((slot.state ?? "filling") === "filled" && slot.filledPeriod === undefined)
    throw new InvalidHeldSlotError("filledPeriod", "a filled slot needs its fill period");
}

/**
 * The slots this node holds (`held_slots`, `held_slot_blocks`) and the prover's per-period
 * outcomes (`slot_proofs`). The sales side adds slots and marks them filled; the prover
 * reads the filled ones and records what it did.
 */
export class HeldSlotStore {
  readonly #store: MetadataStore;
  readonly #statements = new Map<string, StatementSync>();

  constructor(store: MetadataStore) {
    this.#store = store;
  }

  /** Records a slot and its blocks. A slot id already present is an error (one host per slot). */
  add(slot: NewHeldSlot, now = Date.now()): HeldSlot {
    check(slot);
    return this.#store.transaction(() => {
      this.#statement(
        `INSERT INTO held_slots (slot_id, request_id, slot_index, dataset_cid, slot_root, slot_size, block_size,
           cell_size, block_roots, proof_probability, ends_at, state, filled_period, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        slot.slotId,
        slot.requestId,
        slot.slotIndex,
        slot.datasetCid,
        slot.slotRoot,
        slot.slotSize,
        slot.blockSize,
        slot.cellSize,
        slot.blockRoots,
        slot.proofProbability,
        slot.endsAt,
        slot.state ?? "filling",
        slot.filledPeriod ?? null,
        now,
        now,
      );
      const insert = this.#statement(
        "INSERT INTO held_slot_blocks (slot_id, position, block_cid) VALUES (?, ?, ?)",
      );
      for (const [position, cid] of slot.blockCids.entries()) insert.run(slot.slotId, position, cid);
      return this.mustGet(slot.slotId);
    });
  }

  get(slotId: Hex): HeldSlot | undefined {
    const row = this.#statement("SELECT * FROM held_slots WHERE slot_id = ?").get(slotId) as Row | undefined;
    return row === undefined ? undefined : toSlot(row);
  }

  mustGet(slotId: Hex): HeldSlot {
    const slot = this.get(slotId);
    if (slot === undefined) throw new HeldSlotNotFoundError(`this node holds no slot ${slotId}`);
    return slot;
  }

  /** Slots in `state`, oldest first. */
  inState(state: HeldSlotState): HeldSlot[] {
    const rows = this.#statement("SELECT * FROM held_slots WHERE state = ? ORDER BY created_at, slot_id").all(
      state,
    ) as unknown as Row[];
    return rows.map(toSlot);
  }

  /** The slot's block CIDs in slot order. */
  blockCids(slotId: Hex): string[] {
    const rows = this.#statement(
      "SELECT block_cid FROM held_slot_blocks WHERE slot_id = ? ORDER BY position",
    ).all(slotId) as Array<{ block_cid: string }>;
    return rows.map((r) => r.block_cid);
  }

  /** The sales side's fill was mined in `period`: the slot is proven from the next period on. */
  markFilled(slotId: Hex, filledPeriod: bigint, now = Date.now()): void {
    this.#setState(slotId, "filled", now, filledPeriod);
  }

  /** The chain no longer has this node as the slot's host, or the request is over. */
  setState(slotId: Hex, state: Exclude<HeldSlotState, "filled">, now = Date.now()): void {
    this.#setState(slotId, state, now);
  }

  recordProof(
    slotId: Hex,
    period: bigint,
    outcome: ProofOutcome,
    detail: { txHash?: Hex; reason?: string } = {},
  ): void {
    this.#statement(
      `INSERT INTO slot_proofs (slot_id, period, outcome, tx_hash, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (slot_id, period) DO UPDATE SET outcome = excluded.outcome, tx_hash = excluded.tx_hash,
         detail = excluded.detail, recorded_at = excluded.recorded_at`,
    ).run(slotId, period, outcome, detail.txHash ?? null, detail.reason ?? null, Date.now());
  }

  proofOutcome(slotId: Hex, period: bigint): ProofOutcome | undefined {
    const row = this.#statement("SELECT outcome FROM slot_proofs WHERE slot_id = ? AND period = ?").get(
      slotId,
      period,
    ) as { outcome: ProofOutcome } | undefined;
    return row?.outcome;
  }

  /** Every recorded outcome of a slot, oldest period first. */
  proofs(slotId: Hex): Array<{ period: bigint; outcome: ProofOutcome; txHash: Hex | undefined }> {
    const rows = this.#statement(
      "SELECT period, outcome, tx_hash FROM slot_proofs WHERE slot_id = ? ORDER BY period",
    ).all(slotId) as Array<{ period: number; outcome: ProofOutcome; tx_hash: Hex | null }>;
    return rows.map((r) => ({
      period: BigInt(r.period),
      outcome: r.outcome,
      txHash: r.tx_hash ?? undefined,
    }));
  }

  /** Deletes outcomes older than `beforePeriod`. */
  pruneProofs(beforePeriod: bigint): void {
    this.#statement("DELETE FROM slot_proofs WHERE period < ?").run(beforePeriod);
  }

  /** Forgets cached statements (the connection is closing). */
  reset(): void {
    this.#statements.clear();
  }

  #setState(slotId: Hex, state: HeldSlotState, now: number, filledPeriod?: bigint): void {
    const { changes } = this.#statement(
      "UPDATE held_slots SET state = ?, filled_period = coalesce(?, filled_period), updated_at = ? WHERE slot_id = ?",
    ).run(state, filledPeriod ?? null, now, slotId);
    if (changes === 0) throw new HeldSlotNotFoundError(`this node holds no slot ${slotId}`);
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#store.database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
