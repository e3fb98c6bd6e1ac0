import { CID } from "multiformats/cid";
import { type Address, bytesToHex, encodeAbiParameters, type Hex, keccak256, type PublicClient } from "viem";
import type { TransactionSender } from "../chain/index.ts";
import { BLOCK_SIZE, type CellHasher, createCellHasher, slotIdOf } from "../core/index.ts";
import type { Logger } from "../logging/index.ts";
import { type HeldSlot, HeldSlotStore, type MarketTiming, readMarketTiming } from "../market/index.ts";
import { type Counter, counter, type Registry } from "../metrics/index.ts";
import type { CairnBlockstore } from "../store/blocks/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import type { Startable } from "../utils/startable.ts";
import { type AvailabilityPolicy, checkPolicy, type Decision, decide } from "./availability.ts";
import { BlockPins, removeUnreferenced } from "./block-refs.ts";
import { DEFAULT_SALES_POLL_INTERVAL_MS } from "./constants.ts";
import {
  SalesNotStartedError,
  SlotBusyError,
  SlotFillRefusedError,
  SlotRefusedError,
  SlotRootMismatchError,
} from "./errors.ts";
import { type FillResult, SlotFiller } from "./filler.ts";
import { OwnOfferReader, offerRejection } from "./own-offer.ts";
import { receivedSoFar, receiveSlot } from "./slot-receiver.ts";
import { type Opening, openingFor, type SlotTerms, TermsReader } from "./terms.ts";

export interface SalesInit {
  /** The StorageMarket's address. */
  market: Address;
  /** The market's deploy block, where request events are looked up. */
  marketFromBlock: bigint;
  /** What this node sells (availability.ts). */
  policy: AvailabilityPolicy;
  /** Ms between head checks while a fill waits for its block. @default DEFAULT_SALES_POLL_INTERVAL_MS */
  pollIntervalMs?: number;
  /** Fill attempts, each with a fresh seed. @default DEFAULT_FILL_ATTEMPTS */
  fillAttempts?: number;
}

export interface SalesComponents {
  publicClient: PublicClient;
  /** The node's transaction manager: fills share its nonces with every other transaction. */
  sender: TransactionSender;
  metadata: MetadataStore;
  blockstore: CairnBlockstore;
  logger: Logger;
  metrics?: Registry;
  /** @default the WASM cell hasher */
  hasher?: CellHasher;
}

/** A slot taken: held, and filled on-chain. */
export interface TakenSlot extends FillResult {
  slotId: Hex;
}

/** A slot this node may take now, and how. */
export interface SlotOffer {
  terms: SlotTerms;
  opening: Opening;
}

interface Metrics {
  filled: Counter<"source">;
  refused: Counter<"reason">;
}

/**
 * Selling storage: taking a slot's data, checking it against the chain, and filling the
 * slot. The upload route and the sales agent both go through `take`, so a slot is judged,
 * stored, verified and filled the same way whatever brought its bytes.
 *
 * A slot's state machine is the market's held slot row: it is written ('filling') only
 * once every block is durable and the data's root is the chain's, and it becomes 'filled'
 * once the fill is mined. `start()` resumes every 'filling' row (the fill is found mined,
 * or sent again); a slot the market will no longer take from this node is abandoned: its
 * row is deleted and its blocks removed unless something else uses them.
 */
export class Sales implements Startable {
  readonly #client: PublicClient;
  readonly #sender: TransactionSender;
  readonly #metadata: MetadataStore;
  readonly #blockstore: CairnBlockstore;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #market: Address;
  readonly #policy: AvailabilityPolicy;
  readonly #pollMs: number;
  readonly #fillAttempts: number | undefined;
  readonly #terms: TermsReader;
  readonly #held: HeldSlotStore;
  readonly #pins = new BlockPins();
  /** Slots with an upload, rebuild or fill under way on this node. */
  readonly #busy = new Set<string>();
  /** Sizes of the slots being streamed in, until their held rows count them. */
  readonly #reserved = new Map<string, bigint>();
  #hasher: CellHasher | undefined;
  #timing: MarketTiming | undefined;
  #filler: SlotFiller | undefined;
  #abort: AbortController | undefined;
  #resuming: Promise<void> | undefined;
  readonly #ownOffer: OwnOfferReader;

  constructor(components: SalesComponents, init: SalesInit) {
    this.#client = components.publicClient;
    this.#sender = components.sender;
    this.#metadata = components.metadata;
    this.#blockstore = components.blockstore;
    this.#log = components.logger;
    this.#hasher = components.hasher;
    this.#market = init.market;
    this.#policy = checkPolicy(init.policy);
    this.#pollMs = init.pollIntervalMs ?? DEFAULT_SALES_POLL_INTERVAL_MS;
    this.#fillAttempts = init.fillAttempts;
    this.#terms = new TermsReader(this.#client, { market: init.market, fromBlock: init.marketFromBlock });
    this.#held = new HeldSlotStore(components.metadata);
    this.#ownOffer = new OwnOfferReader(this.#client, init.market, components.sender.address);
    if (components.metrics !== undefined) {
      this.#metrics = {
        filled: counter(components.metrics, {
          name: "cairn_sales_slots_filled_total",
          help: "Slots this node filled, by where their data came from",
          labelNames: ["source"],
        }),
        refused: counter(components.metrics, {
          name: "cairn_sales_slots_refused_total",
          help: "Slot uploads and candidates not taken, by reason",
          labelNames: ["reason"],
        }),
      };
    }
  }

  /** The address fills are sent from. */
  get address(): Address {
    return this.#sender.address;
  }

  get policy(): AvailabilityPolicy {
    return this.#policy;
  }

  get heldSlots(): HeldSlotStore {
    return this.#held;
  }

  get terms(): TermsReader {
    return this.#terms;
  }

  get timing(): MarketTiming {
    if (this.#timing === undefined) throw new SalesNotStartedError("sales is not started");
    return this.#timing;
  }

  /** Reads the market's config and resumes unfinished fills in the background. */
  async start(): Promise<void> {
    if (this.#abort !== undefined) return;
    this.#timing = await readMarketTiming(this.#client, this.#market);
    this.#hasher ??= await createCellHasher();
    this.#filler = new SlotFiller(
      {
        publicClient: this.#client,
        sender: this.#sender,
        held: this.#held,
        blocks: this.#blockstore,
        hasher: this.#hasher,
        logger: this.#log,
      },
      {
        market: this.#market,
        timing: this.#timing,
        pollIntervalMs: this.#pollMs,
        attempts: this.#fillAttempts,
      },
    );
    this.#abort = new AbortController();
    this.#resuming = this.resumeFills(this.#abort.signal);
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#resuming;
    this.#abort = undefined;
    this.#resuming = undefined;
    this.#held.reset();
  }

  /** Resolves when the fills resumed at start are done (tests, diagnostics). */
  async resumed(): Promise<void> {
    await this.#resuming;
  }

  /**
   * Completes every 'filling' slot: records a fill already mined, or sends it; abandons a
   * slot the market no longer takes from this node. Failures are logged and left for the
   * next start (or the agent's next pass).
   */
  async resumeFills(signal?: AbortSignal): Promise<void> {
    for (const slot of this.#held.inState("filling")) {
      if (signal?.aborted) return;
      if (this.#busy.has(slot.slotId)) continue;
      this.#busy.add(slot.slotId);
      try {
        await this.#fillOrAbandon(slot, signal);
        this.#metrics?.filled.inc({ source: "resumed" });
      } catch (err) {
        if (signal?.aborted) return;
        this.#log.warn("could not resume a slot's fill", {
          slotId: slot.slotId,
          err: (err as Error).message.split("\n")[0],
        });
      } finally {
        this.#busy.delete(slot.slotId);
      }
    }
  }

  /**
   * Bytes of slots held or being filled, plus slots streaming in now (not yet recorded):
   * what counts against `policy.space`.
   */
  usedSpace(except?: Hex): bigint {
    const row = this.#metadata.database
      .prepare(
        "SELECT coalesce(sum(slot_size), 0) AS used FROM held_slots WHERE state IN ('filling', 'filled')",
      )
      .get() as { used: number | bigint };
    let used = BigInt(row.used);
    for (const [slotId, size] of this.#reserved) if (slotId !== except) used += size;
    return used;
  }

  /** The policy's answer for a slot with these terms, now. */
  decide(terms: SlotTerms, opening: Opening): Decision {
    const sibling = this.#metadata.database
      .prepare(
        "SELECT 1 FROM held_slots WHERE request_id = ? AND slot_id != ? AND state IN ('filling', 'filled') LIMIT 1",
      )
      .get(terms.requestId, terms.slotId);
    return decide(this.#policy, terms, {
      designation: opening.designation,
      repair: opening.repair,
      usedSpace: this.usedSpace(terms.slotId),
      holdsSiblingSlot: sibling !== undefined,
    });
  }

  /**
   * Whether this node may take the slot now: the request and slot take fills, the slot is
   * designated to this node or open, the policy accepts it, and it is not held or busy
   * here. Throws `SlotRefusedError` or `SlotBusyError`; returns the terms.
   */
  async offer(requestId: Hex, index: number): Promise<SlotOffer> {
    const slotId = slotIdOf(requestId, index);
    if (this.#busy.has(slotId))
      throw new SlotBusyError(`slot ${index} of request ${requestId} is already being taken by this node`);
    return this.#check(requestId, index);
  }

  async #check(requestId: Hex, index: number): Promise<SlotOffer> {
    const slotId = slotIdOf(requestId, index);
    const held = this.#held.get(slotId);
    // A slot this node lost or finished stays on record (its proofs, its payout): taking
    // it again would need a second row, so it is not taken again.
    if (held !== undefined)
      throw new SlotRefusedError(
        "already-held",
        held.state === "filling" || held.state === "filled"
          ? `this node already holds slot ${index} of request ${requestId}`
          : `this node held slot ${index} of request ${requestId} before (${held.state}) and does not take it again`,
      );
    const terms = await this.#terms.read(requestId, index);
    const opening = openingFor(terms, this.address);
    const decision = this.decide(terms, opening);
    if (!decision.take) throw new SlotRefusedError("declined-by-policy", decision.message);
    const rejection = offerRejection(await this.#ownOffer.read(), terms);
    if (rejection !== undefined)
      throw new SlotRefusedError(
        "declined-by-policy",
        `this node's registered offer ${rejection} (the market would refuse the fill; see cairn provider offer)`,
      );
    return { terms, opening };
  }

  /**
   * Takes a slot with `data` as its bytes: checks that it may (`offer`), streams the bytes
   * into the block store bounded to the slot size, checks the data's root against the
   * chain's, records the held slot and fills it. On any refusal the blocks this call wrote
   * are removed unless something else uses them. One call per slot at a time: a second
   * gets `SlotBusyError`.
   */
  async take(
    requestId: Hex,
    index: number,
    data: AsyncIterable<Uint8Array>,
    options: { signal?: AbortSignal; source?: string } = {},
  ): Promise<TakenSlot> {
    const slotId = slotIdOf(requestId, index);
    if (this.#busy.has(slotId))
      throw new SlotBusyError(`slot ${index} of request ${requestId} is already being taken by this node`);
    this.#busy.add(slotId);
    try {
      const offer = await this.#check(requestId, index).catch((err: unknown) => {
        this.#refused(err);
        throw err;
      });
      // Decided again and reserved in one synchronous step: two slots streaming in at once
      // cannot both be given the same free space.
      const decision = this.decide(offer.terms, offer.opening);
      if (!decision.take) {
        const refused = new SlotRefusedError("declined-by-policy", decision.message);
        this.#refused(refused);
        throw refused;
      }
      this.#reserved.set(slotId, offer.terms.slotSize);
      const held = await this.#store(offer, data, options.signal);
      this.#reserved.delete(slotId);
      const result = await this.#fillOrAbandon(held, options.signal);
      this.#metrics?.filled.inc({ source: options.source ?? "upload" });
      return { slotId, ...result };
    } finally {
      this.#reserved.delete(slotId);
      this.#busy.delete(slotId);
    }
  }

  /** A held slot's record and its blocks in slot order, for serving it; undefined when not held. */
  heldSlot(requestId: Hex, index: number): { slot: HeldSlot; blockCids: string[] } | undefined {
    const slot = this.#held.get(slotIdOf(requestId, index));
    if (slot === undefined || slot.state === "freed") return undefined;
    return { slot, blockCids: this.#held.blockCids(slot.slotId) };
  }

  /** The block's bytes, checked against its CID. */
  readBlock(cid: string, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#blockstore.getBytes(CID.parse(cid), { verify: true, signal });
  }

  /** Streams the data in, checks its root, and records the held slot ('filling'). */
  async #store(offer: SlotOffer, data: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<HeldSlot> {
    const { terms } = offer;
    const timing = this.timing;
    let received: Awaited<ReturnType<typeof receiveSlot>>;
    try {
      received = await receiveSlot(data, {
        slotSize: Number(terms.slotSize),
        blockSize: BLOCK_SIZE,
        cellSize: timing.cellSize,
        hasher: this.#mustHasher(),
        blockstore: this.#blockstore,
        pins: this.#pins,
        signal,
      });
    } catch (err) {
      const { written, pinned } = receivedSoFar(err);
      await this.#discard(written, pinned);
      this.#refused(err);
      throw err;
    }
    try {
      const root = bytesToHex(received.root);
      if (!this.#matchesChain(root, terms)) {
        await this.#discard(received.written, received.pinned);
        const error = new SlotRootMismatchError(root, terms.root);
        this.#refused(error);
        throw error;
      }
      // From here the held slot's block rows keep the blocks.
      const held = this.#held.add({
        slotId: terms.slotId,
        requestId: terms.requestId,
        slotIndex: terms.index,
        datasetCid: terms.datasetCid,
        slotRoot: root,
        slotSize: Number(terms.slotSize),
        blockSize: BLOCK_SIZE,
        cellSize: timing.cellSize,
        blockRoots: received.blockRoots,
        blockCids: received.blockCids,
        proofProbability: terms.proofProbability,
        endsAt: Number(terms.endsAt),
      });
      this.#log.info("slot data stored and verified", { slotId: terms.slotId, bytes: terms.slotSize });
      return held;
    } finally {
      for (const cid of received.pinned) this.#pins.unpin(cid);
    }
  }

  /** The data's root is what the market holds: the plain root, or its designation to this node. */
  #matchesChain(root: Hex, terms: SlotTerms): boolean {
    const onChain = terms.onChainRoot.toLowerCase();
    if (root.toLowerCase() === onChain) return true;
    const designation = keccak256(
      encodeAbiParameters([{ type: "bytes32" }, { type: "address" }], [root, this.address]),
    );
    return designation.toLowerCase() === onChain;
  }

  /** Fills a held slot; abandons it when the market will not take it from this node. */
  async #fillOrAbandon(slot: HeldSlot, signal?: AbortSignal): Promise<FillResult> {
    try {
      return await this.#mustFiller().fill(slot, signal);
    } catch (err) {
      if (err instanceof SlotRefusedError || err instanceof SlotFillRefusedError) {
        await this.#abandon(slot);
        this.#refused(err);
      }
      throw err;
    }
  }

  /** Forgets a slot that was never filled by this node, and its blocks unless shared. */
  async #abandon(slot: HeldSlot): Promise<void> {
    const cids = this.#held.blockCids(slot.slotId);
    // Only a 'filling' row: a filled slot is the prover's until the chain says otherwise.
    const { changes } = this.#metadata.database
      .prepare("DELETE FROM held_slots WHERE slot_id = ? AND state = 'filling'")
      .run(slot.slotId);
    if (changes === 0) return;
    const removed = await removeUnreferenced(cids, {
      metadata: this.#metadata,
      blockstore: this.#blockstore,
      pins: this.#pins,
    });
    this.#log.info("slot abandoned", { slotId: slot.slotId, removedBlocks: removed });
  }

  async #discard(written: readonly string[], pinned: readonly string[]): Promise<void> {
    for (const cid of pinned) this.#pins.unpin(cid);
    await removeUnreferenced(written, {
      metadata: this.#metadata,
      blockstore: this.#blockstore,
      pins: this.#pins,
    });
  }

  #refused(err: unknown): void {
    const reason =
      err instanceof SlotRefusedError
        ? err.reason
        : err instanceof SlotFillRefusedError
          ? err.errorName
          : ((err as { name?: string }).name ?? "error");
    this.#metrics?.refused.inc({ reason });
  }

  #mustHasher(): CellHasher {
    if (this.#hasher === undefined) throw new SalesNotStartedError("sales is not started");
    return this.#hasher;
  }

  #mustFiller(): SlotFiller {
    if (this.#filler === undefined) throw new SalesNotStartedError("sales is not started");
    return this.#filler;
  }
}
