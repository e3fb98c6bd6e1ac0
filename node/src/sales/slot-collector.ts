/**
 * Collecting a held slot's payout once its request has ended (finished, failed or
 * cancelled). The sales agent's pass and the operator's `cairn provider collect` share one
 * collector, so whichever gets to a slot first collects it, the other finds it recorded in
 * `sales_collections`, and two calls for the same slot at once wait on one transaction.
 */
import { type Address, type Hash, type Hex, isAddressEqual, type PublicClient } from "viem";
import { ContractRevertError, type TransactionSender } from "../chain/index.ts";
import { splitSlotId } from "../core/index.ts";
import { storageMarketAbi } from "../generated/contracts.ts";
import type { Logger } from "../logging/index.ts";
import { RequestState, SlotState } from "../market/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";

export interface SlotCollectorComponents {
  publicClient: PublicClient;
  /** The node's transaction manager: `collect` is simulated, and a revert throws `ContractRevertError`. */
  sender: TransactionSender;
  metadata: MetadataStore;
  logger: Logger;
}

export interface SlotCollectorInit {
  /** StorageMarket's address. */
  market: Address;
}

/** A payout this node collected. */
export interface Collection {
  slotId: Hex;
  requestId: Hex;
  slotIndex: number;
  /** wei paid for the storage. */
  payment: bigint;
  /** wei of collateral returned. */
  collateral: bigint;
  transactionHash: Hash;
}

/** A row of `sales_collections`; all null but the slot when the slot was found collected on-chain. */
export interface CollectionRecord {
  txHash: Hex | null;
  payment: string | null;
  collateral: string | null;
}

/** What became of one slot. */
export type CollectOutcome =
  | { outcome: "collected"; collection: Collection }
  /** Collected before (by this node, perhaps before a crash); recorded now if it was not. */
  | { outcome: "already-collected" }
  | { outcome: "not-ended"; requestState: number }
  /** Another provider holds it, or nobody does (a free, repaired or unknown slot). */
  | { outcome: "not-host"; host: Address; slotState: number };

const ENDED: ReadonlySet<number> = new Set([
  RequestState.Finished,
  RequestState.Failed,
  RequestState.Cancelled,
]);

/** A request state's name, for messages ("Started"). */
export function requestStateName(state: number): string {
  return Object.entries(RequestState).find(([, value]) => value === state)?.[0] ?? `state ${state}`;
}

export class SlotCollector {
  readonly #client: PublicClient;
  readonly #sender: TransactionSender;
  readonly #metadata: MetadataStore;
  readonly #log: Logger;
  readonly #market: Address;
  /** Collects under way, by slot id: a second caller waits on the first's transaction. */
  readonly #inFlight = new Map<Hex, Promise<CollectOutcome>>();

  constructor(components: SlotCollectorComponents, init: SlotCollectorInit) {
    this.#client = components.publicClient;
    this.#sender = components.sender;
    this.#metadata = components.metadata;
    this.#log = components.logger;
    this.#market = init.market;
  }

  /**
   * Collects every held slot not recorded as collected whose request has ended. With
   * `pastEndOnly` (the agent's every-pass check) only slots past their end by the chain's
   * clock, or marked ended by the prover, are looked at; without it every filled held slot
   * is, which also finds requests that failed or were cancelled early. A slot the contract
   * refuses is logged and skipped, so one refusal does not hold up the others.
   */
  async collectEnded(options: { pastEndOnly?: boolean; signal?: AbortSignal } = {}): Promise<Collection[]> {
    const collected: Collection[] = [];
    for (const slotId of await this.#uncollected(options.pastEndOnly ?? false)) {
      if (options.signal?.aborted) break;
      try {
        const result = await this.collect(slotId, options.signal);
        if (result.outcome === "collected") collected.push(result.collection);
      } catch (err) {
        if (!(err instanceof ContractRevertError)) throw err;
        this.#log.warn("collect refused", { slotId, error: err.errorName });
      }
    }
    return collected;
  }

  /** Collects one slot if it is this node's and its request has ended; says why not otherwise. */
  collect(slotId: Hex, signal?: AbortSignal): Promise<CollectOutcome> {
    const running = this.#inFlight.get(slotId);
    if (running !== undefined) return running;
    const run = this.#collect(slotId, signal).finally(() => this.#inFlight.delete(slotId));
    this.#inFlight.set(slotId, run);
    return run;
  }

  /** The recorded collection of a slot, if any. */
  recorded(slotId: Hex): CollectionRecord | undefined {
    const row = this.#metadata.database
      .prepare("SELECT tx_hash, payment, collateral FROM sales_collections WHERE slot_id = ?")
      .get(slotId) as { tx_hash: Hex | null; payment: string | null; collateral: string | null } | undefined;
    return row === undefined
      ? undefined
      : { txHash: row.tx_hash, payment: row.payment, collateral: row.collateral };
  }

  async #collect(slotId: Hex, signal?: AbortSignal): Promise<CollectOutcome> {
    if (this.recorded(slotId) !== undefined) return { outcome: "already-collected" };
    const { requestId, index } = splitSlotId(slotId);
    const market = { address: this.#market, abi: storageMarketAbi } as const;
    const [request, slot] = await Promise.all([
      this.#client.readContract({ ...market, functionName: "requestInfo", args: [requestId] }),
      this.#client.readContract({ ...market, functionName: "slotInfo", args: [slotId] }),
    ]);
    const me = this.#sender.address;
    const slotState = Number(slot.state);
    const mine = isAddressEqual(slot.host, me);
    if (slotState === SlotState.Collected && mine) {
      this.#record(slotId, null, undefined);
      return { outcome: "already-collected" };
    }
    if (slotState !== SlotState.Filled || !mine) return { outcome: "not-host", host: slot.host, slotState };
    const requestState = Number(request.state);
    if (!ENDED.has(requestState)) return { outcome: "not-ended", requestState };
    const [payment, collateral] = await this.#client.readContract({
      ...market,
      functionName: "collectable",
      args: [slotId],
    });
    const sent = await this.#sender.send(
      { address: this.#market, abi: storageMarketAbi, functionName: "collect", args: [slotId] },
      { label: "collect", signal },
    );
    this.#record(slotId, sent.hash, { payment, collateral });
    this.#log.info("collected a finished slot", { slotId, payment, collateral, hash: sent.hash });
    return {
      outcome: "collected",
      collection: { slotId, requestId, slotIndex: index, payment, collateral, transactionHash: sent.hash },
    };
  }

  /** Held slots with no recorded collection that may be collectable. */
  async #uncollected(pastEndOnly: boolean): Promise<Hex[]> {
    const unrecorded = `SELECT h.slot_id FROM held_slots h LEFT JOIN sales_collections c ON c.slot_id = h.slot_id
       WHERE c.slot_id IS NULL`;
    if (!pastEndOnly) {
      const rows = this.#metadata.database
        .prepare(`${unrecorded} AND h.state IN ('filled', 'ended') ORDER BY h.request_id, h.slot_index`)
        .all() as Array<{ slot_id: Hex }>;
      return rows.map((row) => row.slot_id);
    }
    // The chain's clock, not this machine's: a request ends by block time.
    const now = (await this.#client.getBlock({ blockTag: "latest" })).timestamp;
    const rows = this.#metadata.database
      .prepare(`${unrecorded} AND (h.state = 'ended' OR (h.state = 'filled' AND h.ends_at <= ?))`)
      .all(Number(now)) as Array<{ slot_id: Hex }>;
    return rows.map((row) => row.slot_id);
  }

  #record(
    slotId: Hex,
    txHash: Hex | null,
    amounts: { payment: bigint; collateral: bigint } | undefined,
  ): void {
    this.#metadata.database
      .prepare(
        `INSERT INTO sales_collections (slot_id, tx_hash, payment, collateral, collected_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (slot_id) DO NOTHING`,
      )
      .run(
        slotId,
        txHash,
        amounts === undefined ? null : String(amounts.payment),
        amounts === undefined ? null : String(amounts.collateral),
        Date.now(),
      );
  }
}
