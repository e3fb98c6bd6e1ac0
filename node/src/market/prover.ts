import type { Address, Hex, PublicClient } from "viem";
import { ContractRevertError, type TransactionSender } from "../chain/index.ts";
import { executedHead } from "../chain/executed-head.ts";
import { type CellHasher, createCellHasher, isProofRequired } from "../core/index.ts";
import { storageMarketAbi } from "../generated/contracts.ts";
import type { Logger } from "../logging/index.ts";
import { type Counter, counter, type Histogram, histogram, type Registry } from "../metrics/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import { PollLoop } from "../utils/poll-loop.ts";
import type { Startable } from "../utils/startable.ts";
import {
  DEFAULT_MARKET_POLL_INTERVAL_MS,
  DEFAULT_PROOF_DEADLINE_MARGIN_BLOCKS,
  PROOF_HISTORY_PERIODS,
  RequestState,
  SlotState,
} from "./constants.ts";
import { SlotDataError } from "./errors.ts";
import { type HeldSlot, HeldSlotStore } from "./held-slots.ts";
import { type MarketTiming, periodBounds, readMarketTiming } from "./market-config.ts";
import { buildSlotProof, type MarketProof, type SlotBlockSource } from "./proof-builder.ts";

export interface ProverInit {
  /** The StorageMarket's address. */
  market: Address;
  /** Ms between head checks. @default DEFAULT_MARKET_POLL_INTERVAL_MS (1000) */
  pollIntervalMs?: number;
  /** Record a period's seed when no proof of this node is due and nobody recorded it. @default true */
  recordSeeds?: boolean;
  /** Blocks before the period's last by which the proofs must be mined. @default 0 */
  deadlineMarginBlocks?: number;
}

export interface ProverComponents {
  publicClient: PublicClient;
  /** The node's transaction manager: proofs share its nonces with every other transaction. */
  sender: TransactionSender;
  metadata: MetadataStore;
  blocks: SlotBlockSource;
  logger: Logger;
  metrics?: Registry;
  /** @default the WASM cell hasher */
  hasher?: CellHasher;
}

interface Metrics {
  submitted: Counter;
  missed: Counter<"reason">;
  seeds: Counter;
  build: Histogram;
}

/** A slot that owes a proof this period, with what its proof needs. */
interface Due {
  slot: HeldSlot;
  proof: MarketProof;
}

/**
 * Proves every slot this node holds, every period, early in the period's window.
 *
 * Each period, once its seed is readable (from its second block): for every filled held
 * slot it reads the request and slot from the chain, decides from the period's seed whether
 * a proof is due exactly as StorageMarket does (`Sampling.isProofRequired`, after the
 * request's start and the host's fill period), builds the due proofs from local blocks and
 * sends them all in one `submitProofs`, due by the period's last block. The transaction
 * manager bumps its fee while it waits. A proof that cannot be sent in time is an alert: an
 * error line "proof missed" and `cairn_market_proofs_missed_total{reason}`; so is a due
 * proof of a period the node slept through. When nothing is due and nobody recorded the
 * seed, it records it (`recordSeed`). A slot the sales side marks filled in mid-period (its
 * fill's receipt came in late) is dealt with at its next tick, in that same period.
 *
 * Outcomes are kept per (slot, period) in `slot_proofs`, so a restart in mid-period does not
 * send a proof twice, and the chain's answer decides anything the table does not know.
 */
export class Prover implements Startable {
  readonly #client: PublicClient;
  readonly #sender: TransactionSender;
  readonly #held: HeldSlotStore;
  readonly #blocks: SlotBlockSource;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #market: Address;
  readonly #recordSeeds: boolean;
  readonly #margin: bigint;
  #hasher: CellHasher | undefined;
  #timing: MarketTiming | undefined;
  /** The last period fully dealt with. */
  #handled: bigint | undefined;
  /**
   * The filled slots that period was dealt with for. A slot the sales side marks filled
   * later (its fill's receipt came in after the period's first tick) is dealt with then,
   * in the same period: its first proof may be due in it.
   */
  #handledSlots = new Set<Hex>();
  readonly #loop: PollLoop;

  constructor(components: ProverComponents, init: ProverInit) {
    this.#client = components.publicClient;
    this.#sender = components.sender;
    this.#held = new HeldSlotStore(components.metadata);
    this.#blocks = components.blocks;
    this.#log = components.logger;
    this.#hasher = components.hasher;
    this.#market = init.market;
    this.#recordSeeds = init.recordSeeds ?? true;
    this.#margin = BigInt(init.deadlineMarginBlocks ?? DEFAULT_PROOF_DEADLINE_MARGIN_BLOCKS);
    this.#loop = new PollLoop((signal) => this.#tick(signal), {
      intervalMs: init.pollIntervalMs ?? DEFAULT_MARKET_POLL_INTERVAL_MS,
      logger: this.#log,
      failure: "prover tick failed; retrying",
    });
    if (components.metrics !== undefined) {
      const registry = components.metrics;
      this.#metrics = {
        submitted: counter(registry, {
          name: "cairn_market_proofs_submitted_total",
          help: "Slot proofs mined on-chain",
        }),
        missed: counter(registry, {
          name: "cairn_market_proofs_missed_total",
          help: "Due slot proofs that could not be sent in time (an alert)",
          labelNames: ["reason"],
        }),
        seeds: counter(registry, {
          name: "cairn_market_seeds_recorded_total",
          help: "Period seeds this node recorded",
        }),
        build: histogram(registry, {
          name: "cairn_market_proof_build_seconds",
          help: "Time to build one period's proofs from local data",
        }),
      };
    }
  }

  /** The held-slot table this prover reads (the sales side writes it). */
  get heldSlots(): HeldSlotStore {
    return this.#held;
  }

  async start(): Promise<void> {
    if (this.#loop.running) return;
    this.#timing = await readMarketTiming(this.#client, this.#market);
    this.#hasher ??= await createCellHasher();
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    this.#held.reset();
  }

  async #tick(signal: AbortSignal): Promise<void> {
    const timing = this.#mustTiming();
    const head = await this.#client.getBlockNumber({ cacheTime: 0 });
    const period = head / timing.periodBlocks;
    // In the period's first block its seed is not readable yet (not even by eth_call).
    if (head % timing.periodBlocks === 0n) return;
    const slots = this.#held.inState("filled");
    const fresh = slots.filter((slot) => !this.#handledSlots.has(slot.slotId));
    const again = this.#handled !== undefined && this.#handled >= period;
    if (again && fresh.length === 0) return;
    const slept = this.#handled === undefined || this.#handled < period - 1n ? slots : fresh;
    // Until the period before has been checked, this one waits: the next tick asks again.
    if (slept.length > 0 && !(await this.#checkSlept(period - 1n, slept))) return;
    const todo = again ? fresh : slots;
    const done = await this.#provePeriod(period, todo, signal);
    if (done) {
      if (!again) {
        this.#handled = period;
        this.#handledSlots.clear();
      }
      for (const slot of todo) this.#handledSlots.add(slot.slotId);
      if (period > BigInt(PROOF_HISTORY_PERIODS))
        this.#held.pruneProofs(period - BigInt(PROOF_HISTORY_PERIODS));
    }
  }

  /** Proves `period`; false when it should be tried again (seed not yet readable, RPC trouble). */
  async #provePeriod(period: bigint, slots: readonly HeldSlot[], signal: AbortSignal): Promise<boolean> {
    const timing = this.#mustTiming();
    if (slots.length === 0) return true;
    const seed = await this.#seedOf(period);
    if (seed === undefined) return false;
    const owed = await this.#owed(slots, period, seed);
    const { last } = periodBounds(period, timing);
    if (owed.length === 0) {
      if (this.#recordSeeds) await this.#recordSeed(period, last, signal);
      return true;
    }
    const started = performance.now();
    const due: Due[] = [];
    for (const slot of owed) {
      try {
        const proof = await buildSlotProof(
          slot,
          this.#held.blockCids(slot.slotId),
          seed,
          period,
          timing.proofSamples,
          this.#blocks,
          this.#mustHasher(),
        );
        due.push({ slot, proof });
      } catch (err) {
        if (!(err instanceof SlotDataError)) throw err;
        this.#missed(slot.slotId, period, "local-data", err.message);
      }
    }
    this.#metrics?.build.observe((performance.now() - started) / 1000);
    return this.#submit(due, period, last - this.#margin, signal);
  }

  /** The filled slots that owe a proof in `period`, updating the state of slots the chain took away. */
  async #owed(slots: readonly HeldSlot[], period: bigint, seed: Hex): Promise<HeldSlot[]> {
    const me = this.#sender.address.toLowerCase();
    const states = await Promise.all(
      slots.map(async (slot) => {
        const [request, onChain] = await Promise.all([
          this.#client.readContract({
            address: this.#market,
            abi: storageMarketAbi,
            functionName: "requestInfo",
            args: [slot.requestId],
          }),
          this.#client.readContract({
            address: this.#market,
            abi: storageMarketAbi,
            functionName: "slotInfo",
            args: [slot.slotId],
          }),
        ]);
        return { slot, request, onChain };
      }),
    );
    const owed: HeldSlot[] = [];
    for (const { slot, request, onChain } of states) {
      const state = Number(request.state);
      if (
        state === RequestState.Finished ||
        state === RequestState.Failed ||
        state === RequestState.Cancelled
      ) {
        this.#held.setState(slot.slotId, "ended");
        this.#log.info("request over; the slot is no longer proven", { slotId: slot.slotId, state });
        continue;
      }
      if (Number(onChain.state) !== SlotState.Filled || onChain.host.toLowerCase() !== me) {
        this.#held.setState(slot.slotId, "freed");
        this.#log.warn("the chain no longer has this node as the slot's host", { slotId: slot.slotId });
        continue;
      }
      if (state !== RequestState.Started) continue;
      const due =
        period > BigInt(request.startPeriod) &&
        period > BigInt(onChain.filledPeriod) &&
        isProofRequired(seed, slot.slotId, request.proofProbability);
      if (due && this.#held.proofOutcome(slot.slotId, period) !== "submitted") owed.push(slot);
    }
    return owed;
  }

  /**
   * Sends the proofs in one transaction. A revert names the slot it failed on: that slot is
   * dealt with (already proven, no longer owed, or missed) and the rest is sent again.
   */
  async #submit(due: Due[], period: bigint, deadlineBlock: bigint, signal: AbortSignal): Promise<boolean> {
    let pending = due;
    while (pending.length > 0) {
      try {
        const sent = await this.#sender.send(
          {
            address: this.#market,
            abi: storageMarketAbi,
            functionName: "submitProofs",
            args: [pending.map(({ slot, proof }) => ({ slotId: slot.slotId, proof }))],
          },
          { label: "submitProofs", deadlineBlock, signal },
        );
        for (const { slot } of pending)
          this.#held.recordProof(slot.slotId, period, "submitted", { txHash: sent.hash });
        this.#metrics?.submitted.inc(pending.length);
        this.#log.info("proofs submitted", { period, slots: pending.length, hash: sent.hash });
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        if (err instanceof ContractRevertError) {
          const slotId = typeof err.args[0] === "string" ? (err.args[0] as string).toLowerCase() : undefined;
          const culprit = pending.find(({ slot }) => slot.slotId.toLowerCase() === slotId);
          if (err.errorName === "StorageMarketSeedUnavailable") return false;
          if (culprit === undefined) {
            for (const { slot } of pending) this.#missed(slot.slotId, period, err.errorName, err.message);
            return true;
          }
          pending = pending.filter((d) => d !== culprit);
          this.#settleRevert(culprit.slot, period, err);
          continue;
        }
        const name = (err as { name?: unknown }).name;
        if (
          name === "TransactionDeadlineError" ||
          name === "TransactionRevertedError" ||
          name === "NonceTakenError"
        ) {
          for (const { slot } of pending)
            this.#missed(slot.slotId, period, String(name), (err as Error).message);
          return true;
        }
        throw err;
      }
    }
    return true;
  }

  /** What a revert naming `slot` means for it. */
  #settleRevert(slot: HeldSlot, period: bigint, err: ContractRevertError): void {
    switch (err.errorName) {
      case "StorageMarketProofAlreadySubmitted":
        this.#held.recordProof(slot.slotId, period, "submitted");
        return;
      case "StorageMarketProofNotRequired":
      case "StorageMarketNotSlotHost":
      case "StorageMarketRequestNotStarted":
        // The chain moved on since it was read (freed, ended); the next period's read sees it.
        this.#log.info("proof no longer owed", { slotId: slot.slotId, period, error: err.errorName });
        return;
      default:
        this.#missed(slot.slotId, period, err.errorName, err.message);
    }
  }

  /**
   * After a gap (a restart, an RPC outage), checks the period before: a due proof of a held
   * slot with no proof on-chain was missed while the node could not send it. False when the
   * chain has not executed all of that period's blocks yet: their logs are not readable,
   * and a proof in them would look missing (executed-head.ts).
   */
  async #checkSlept(period: bigint, slots: readonly HeldSlot[]): Promise<boolean> {
    if (period < 0n) return true;
    const seed = await this.#seedOf(period);
    if (seed === undefined) return true;
    const { first, last } = periodBounds(period, this.#mustTiming());
    if ((await executedHead(this.#client, first, last)) < last) {
      this.#log.debug("the period before is not executed yet; checking it at the next tick", { period });
      return false;
    }
    for (const slot of await this.#owed(slots, period, seed)) {
      if (this.#held.proofOutcome(slot.slotId, period) !== undefined) continue;
      const proofs = await this.#client.getContractEvents({
        address: this.#market,
        abi: storageMarketAbi,
        eventName: "ProofSubmitted",
        args: { slotId: slot.slotId },
        fromBlock: first,
        toBlock: last,
      });
      if (proofs.some((log) => BigInt(log.args.period ?? -1n) === period)) {
        this.#held.recordProof(slot.slotId, period, "submitted", {
          txHash: proofs[0]?.transactionHash ?? undefined,
        });
      } else {
        this.#missed(slot.slotId, period, "not-sent", "the period passed while the node was down or cut off");
      }
    }
    return true;
  }

  /** Records `period`'s seed unless someone did; a failure here costs nothing but a warning. */
  async #recordSeed(period: bigint, deadlineBlock: bigint, signal: AbortSignal): Promise<void> {
    const { first } = periodBounds(period, this.#mustTiming());
    const recorded = await this.#client.getContractEvents({
      address: this.#market,
      abi: storageMarketAbi,
      eventName: "SeedRecorded",
      args: { period },
      fromBlock: first,
    });
    if (recorded.length > 0) return;
    try {
      await this.#sender.send(
        { address: this.#market, abi: storageMarketAbi, functionName: "recordSeed", args: [period] },
        { label: "recordSeed", deadlineBlock, signal },
      );
      this.#metrics?.seeds.inc();
      this.#log.debug("seed recorded", { period });
    } catch (err) {
      this.#log.warn("could not record the period's seed", {
        period,
        err: (err as Error).message.split("\n")[0],
      });
    }
  }

  /** The period's seed as the contract has it (recorded, or its first block's hash), if readable. */
  async #seedOf(period: bigint): Promise<Hex | undefined> {
    const seed = await this.#client.readContract({
      address: this.#market,
      abi: storageMarketAbi,
      functionName: "seedOf",
      args: [period],
    });
    return BigInt(seed) === 0n ? undefined : seed;
  }

  /** The alert: one error line and the metric, and the outcome in `slot_proofs`. */
  #missed(slotId: Hex, period: bigint, reason: string, detail: string): void {
    this.#held.recordProof(slotId, period, "missed", { reason: `${reason}: ${detail}` });
    this.#metrics?.missed.inc({ reason });
    this.#log.error("proof missed", { slotId, period, reason, detail });
  }

  #mustTiming(): MarketTiming {
    if (this.#timing === undefined) throw new Error("internal: the prover is not started");
    return this.#timing;
  }

  #mustHasher(): CellHasher {
    if (this.#hasher === undefined) throw new Error("internal: the prover is not started");
    return this.#hasher;
  }
}
