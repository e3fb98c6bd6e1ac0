/**
 * The `purchases` and `purchase_slots` tables (schema.ts): each purchase's state, its exact
 * on-chain request, and each slot's provider and push status.
 */
import type { Address, Hex } from "viem";
import type { MetadataStore, StatementSync } from "../store/metadata/index.ts";
import { PurchaseNotFoundError } from "./errors.ts";

export type PurchaseState =
  | "quoted"
  | "requested"
  | "uploading"
  | "started"
  | "cancelled"
  | "failed"
  | "finished"
  | "withdrawn"
  | "aborted";

/** `IStorageMarket.Request` as viem takes it. */
export interface MarketRequest {
  nonce: Hex;
  cid: Hex;
  slotRoots: Hex[];
  providers: Address[];
  slotSize: bigint;
  dataSlots: number;
  duration: bigint;
  pricePerBytePerSecond: bigint;
  collateralPerByte: bigint;
  proofProbability: number;
  expiry: bigint;
}

export interface PurchaseSlot {
  index: number;
  provider: Address;
  apiUrl: string;
  region: string;
  infrastructure: string;
  pushed: boolean;
  attempts: number;
  lastError: string | undefined;
}

export interface PurchaseRecord {
  requestId: Hex;
  client: Address;
  cid: string;
  state: PurchaseState;
  request: MarketRequest;
  escrow: bigint;
  endsAt: number | undefined;
  withdrawn: bigint | undefined;
  lastError: string | undefined;
  createdAt: number;
  updatedAt: number;
  slots: PurchaseSlot[];
}

export type NewPurchase = Omit<
  PurchaseRecord,
  "state" | "endsAt" | "withdrawn" | "lastError" | "createdAt" | "updatedAt" | "slots"
> & { slots: Omit<PurchaseSlot, "pushed" | "attempts" | "lastError">[] };

interface Row {
  request_id: string;
  client: string;
  cid: string;
  state: string;
  request: string;
  escrow: string;
  ends_at: number | null;
  withdrawn: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

interface SlotRow {
  slot_index: number;
  provider: string;
  api_url: string;
  region: string;
  infrastructure: string;
  pushed: number;
  attempts: number;
  last_error: string | null;
}

function requestToJson(request: MarketRequest): string {
  return JSON.stringify(request, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

function requestFromJson(text: string): MarketRequest {
  const raw = JSON.parse(text) as Record<string, unknown>;
  return {
    nonce: raw.nonce as Hex,
    cid: raw.cid as Hex,
    slotRoots: raw.slotRoots as Hex[],
    providers: raw.providers as Address[],
    slotSize: BigInt(raw.slotSize as string),
    dataSlots: Number(raw.dataSlots),
    duration: BigInt(raw.duration as string),
    pricePerBytePerSecond: BigInt(raw.pricePerBytePerSecond as string),
    collateralPerByte: BigInt(raw.collateralPerByte as string),
    proofProbability: Number(raw.proofProbability),
    expiry: BigInt(raw.expiry as string),
  };
}

const COLUMNS =
  "request_id, client, cid, state, request, escrow, ends_at, withdrawn, last_error, created_at, updated_at";

export class PurchaseTable {
  private readonly store: Pick<MetadataStore, "database" | "transaction">;
  private readonly statements = new Map<string, StatementSync>();
  private readonly clock: () => number;

  constructor(store: Pick<MetadataStore, "database" | "transaction">, clock: () => number = Date.now) {
    this.store = store;
    this.clock = clock;
  }

  /** Records a purchase in state `quoted`, with its slots, in one transaction. */
  insert(purchase: NewPurchase): PurchaseRecord {
    const now = this.clock();
    this.store.transaction(() => {
      this.statement(
        `INSERT INTO purchases (${COLUMNS}) VALUES (?, ?, ?, 'quoted', ?, ?, NULL, NULL, NULL, ?, ?)`,
      ).run(
        purchase.requestId,
        purchase.client,
        purchase.cid,
        requestToJson(purchase.request),
        String(purchase.escrow),
        now,
        now,
      );
      const slot = this.statement(
        `INSERT INTO purchase_slots (request_id, slot_index, provider, api_url, region, infrastructure)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const s of purchase.slots)
        slot.run(purchase.requestId, s.index, s.provider, s.apiUrl, s.region, s.infrastructure);
    });
    return this.mustGet(purchase.requestId);
  }

  get(requestId: string): PurchaseRecord | undefined {
    const row = this.statement(`SELECT ${COLUMNS} FROM purchases WHERE request_id = ?`).get(
      requestId.toLowerCase(),
    ) as Row | undefined;
    return row === undefined ? undefined : this.toRecord(row);
  }

  mustGet(requestId: string): PurchaseRecord {
    const record = this.get(requestId);
    if (record === undefined) throw new PurchaseNotFoundError(`no purchase with request id ${requestId}`);
    return record;
  }

  /** Newest first. */
  list(): PurchaseRecord[] {
    const rows = this.statement(
      `SELECT ${COLUMNS} FROM purchases ORDER BY created_at DESC, request_id`,
    ).all() as unknown as Row[];
    return rows.map((row) => this.toRecord(row));
  }

  /** Purchases that still have work to do, oldest first. */
  unfinished(terminal: readonly string[]): PurchaseRecord[] {
    return this.list()
      .filter((p) => !terminal.includes(p.state))
      .reverse();
  }

  setState(
    requestId: Hex,
    state: PurchaseState,
    extra: { endsAt?: number; withdrawn?: bigint; lastError?: string | null } = {},
  ): void {
    this.statement(
      `UPDATE purchases SET state = ?, updated_at = ?,
         ends_at = coalesce(?, ends_at), withdrawn = coalesce(?, withdrawn),
         last_error = CASE WHEN ? THEN ? ELSE last_error END
       WHERE request_id = ?`,
    ).run(
      state,
      this.clock(),
      extra.endsAt ?? null,
      extra.withdrawn === undefined ? null : String(extra.withdrawn),
      extra.lastError === undefined ? 0 : 1,
      extra.lastError ?? null,
      requestId,
    );
  }

  setError(requestId: Hex, message: string): void {
    this.statement("UPDATE purchases SET last_error = ?, updated_at = ? WHERE request_id = ?").run(
      message,
      this.clock(),
      requestId,
    );
  }

  slotAttempted(requestId: Hex, index: number, error: string | undefined): void {
    this.statement(
      `UPDATE purchase_slots SET attempts = attempts + 1, pushed = ?, last_error = ?
       WHERE request_id = ? AND slot_index = ?`,
    ).run(error === undefined ? 1 : 0, error ?? null, requestId, index);
  }

  /** A slot the chain shows as filled needs no push, whoever pushed it. */
  slotDone(requestId: Hex, index: number): void {
    this.statement(
      "UPDATE purchase_slots SET pushed = 1, last_error = NULL WHERE request_id = ? AND slot_index = ?",
    ).run(requestId, index);
  }

  /** Removes a purchase that never reached the chain. */
  delete(requestId: Hex): void {
    this.statement("DELETE FROM purchases WHERE request_id = ?").run(requestId);
  }

  private toRecord(row: Row): PurchaseRecord {
    const slots = this.statement(
      `SELECT slot_index, provider, api_url, region, infrastructure, pushed, attempts, last_error
       FROM purchase_slots WHERE request_id = ? ORDER BY slot_index`,
    ).all(row.request_id) as unknown as SlotRow[];
    return {
      requestId: row.request_id as Hex,
      client: row.client as Address,
      cid: row.cid,
      state: row.state as PurchaseState,
      request: requestFromJson(row.request),
      escrow: BigInt(row.escrow),
      endsAt: row.ends_at ?? undefined,
      withdrawn: row.withdrawn === null ? undefined : BigInt(row.withdrawn),
      lastError: row.last_error ?? undefined,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      slots: slots.map((s) => ({
        index: s.slot_index,
        provider: s.provider as Address,
        apiUrl: s.api_url,
        region: s.region,
        infrastructure: s.infrastructure,
        pushed: s.pushed === 1,
        attempts: s.attempts,
        lastError: s.last_error ?? undefined,
      })),
    };
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
