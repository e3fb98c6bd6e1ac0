/**
 * Fills a held slot: builds the first proof for the current period's seed from the stored
 * blocks and sends `fillSlot` through the node's transaction sender, then marks the held
 * slot 'filled' with the period its fill was mined in.
 *
 * The proof names the period the transaction is mined in, and a period's seed is readable
 * from its second block only, so a fill is started when the head is past the period's
 * first block and not at its end, and is due by the period's last block. A fill that lands
 * in the next period reverts, and is built again with the new seed. Every attempt starts
 * from the chain's view of the slot, which makes the fill safe to run again after a crash
 * at any point: a fill already mined is found (the slot's host is this node) and only
 * recorded; one never sent, or lost, is sent.
 */
import { type Address, type Hex, isAddressEqual, type PublicClient } from "viem";
import { ContractRevertError, type TransactionSender } from "../chain/index.ts";
import type { CellHasher } from "../core/index.ts";
import { storageMarketAbi } from "../generated/contracts.ts";
import type { Logger } from "../logging/index.ts";
import {
  buildSlotProof,
  type HeldSlot,
  type HeldSlotStore,
  type MarketTiming,
  RequestState,
  SlotState,
  type SlotBlockSource,
} from "../market/index.ts";
import { DEFAULT_FILL_ATTEMPTS, FILL_SLACK_BLOCKS, REQUEST_STATE_NAMES } from "./constants.ts";
import { SlotFillRefusedError, SlotFillTimeoutError, SlotRefusedError } from "./errors.ts";

export interface FillResult {
  /** The fillSlot transaction; undefined when the fill was found already mined. */
  transactionHash: Hex | undefined;
  /** The period the fill was mined in. */
  filledPeriod: bigint;
}

export interface SlotFillerComponents {
  publicClient: PublicClient;
  sender: TransactionSender;
  held: HeldSlotStore;
  blocks: SlotBlockSource;
  hasher: CellHasher;
  logger: Logger;
}

export interface SlotFillerInit {
  market: Address;
  timing: MarketTiming;
  /** Ms between head checks while waiting for a block. */
  pollIntervalMs: number;
  /** @default DEFAULT_FILL_ATTEMPTS */
  attempts?: number;
}

/** Reverts after which the fill is tried again with a fresh period and seed. */
const RETRY_REVERTS = new Set([
  "StorageMarketWrongPeriod",
  "StorageMarketSeedUnavailable",
  // Possibly this node's own earlier fill, mined meanwhile: the next attempt reads the slot.
  "StorageMarketSlotNotFree",
]);

/** Failures of a sent transaction after which the chain is read again. */
const RETRY_SEND_ERRORS = new Set([
  "TransactionRevertedError",
  "TransactionDeadlineError",
  "NonceTakenError",
]);

export class SlotFiller {
  readonly #client: PublicClient;
  readonly #sender: TransactionSender;
  readonly #held: HeldSlotStore;
  readonly #blocks: SlotBlockSource;
  readonly #hasher: CellHasher;
  readonly #log: Logger;
  readonly #market: Address;
  readonly #timing: MarketTiming;
  readonly #pollMs: number;
  readonly #attempts: number;

  constructor(components: SlotFillerComponents, init: SlotFillerInit) {
    this.#client = components.publicClient;
    this.#sender = components.sender;
    this.#held = components.held;
    this.#blocks = components.blocks;
    this.#hasher = components.hasher;
    this.#log = components.logger;
    this.#market = init.market;
    this.#timing = init.timing;
    this.#pollMs = init.pollIntervalMs;
    this.#attempts = init.attempts ?? DEFAULT_FILL_ATTEMPTS;
  }

  /**
   * Fills the held slot, or finds it filled by this node, and marks it 'filled'. Throws
   * `SlotRefusedError` when another host took the slot or the request stopped taking
   * fills, `SlotFillRefusedError` when the market refuses this node's fill, and
   * `SlotFillTimeoutError` when no attempt was mined in time.
   */
  async fill(slot: HeldSlot, signal?: AbortSignal): Promise<FillResult> {
    const me = this.#sender.address;
    let lastFailure = "";
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      signal?.throwIfAborted();
      const [onChain, request] = await Promise.all([
        this.#slotInfo(slot.slotId),
        this.#client.readContract({
          address: this.#market,
          abi: storageMarketAbi,
          functionName: "requestInfo",
          args: [slot.requestId],
        }),
      ]);
      if (Number(onChain.state) === SlotState.Filled && isAddressEqual(onChain.host, me)) {
        const filledPeriod = BigInt(onChain.filledPeriod);
        this.#held.markFilled(slot.slotId, filledPeriod);
        this.#log.info("slot fill found mined", { slotId: slot.slotId, filledPeriod });
        return { transactionHash: undefined, filledPeriod };
      }
      const state = Number(onChain.state);
      if (state !== SlotState.Free && state !== SlotState.Repair)
        throw new SlotRefusedError("slot-not-free", `slot ${slot.slotId} was taken by ${onChain.host}`);
      const requestState = Number(request.state);
      if (requestState !== RequestState.New && requestState !== RequestState.Started)
        throw new SlotRefusedError(
          "request-not-open",
          `request ${slot.requestId} is ${REQUEST_STATE_NAMES[requestState] ?? requestState} and takes no fills`,
        );

      const period = await this.#fillPeriod(signal);
      const seed = await this.#client.readContract({
        address: this.#market,
        abi: storageMarketAbi,
        functionName: "seedOf",
        args: [period],
      });
      if (BigInt(seed) === 0n) {
        lastFailure = `period ${period}'s seed was not readable`;
        continue;
      }
      const proof = await buildSlotProof(
        slot,
        this.#held.blockCids(slot.slotId),
        seed,
        period,
        this.#timing.proofSamples,
        this.#blocks,
        this.#hasher,
      );
      const lastBlock = (period + 1n) * this.#timing.periodBlocks - 1n;
      try {
        const sent = await this.#sender.send(
          {
            address: this.#market,
            abi: storageMarketAbi,
            functionName: "fillSlot",
            args: [slot.slotId, slot.slotRoot, proof],
          },
          { label: "fillSlot", deadlineBlock: lastBlock, signal },
        );
        const filledPeriod = sent.receipt.blockNumber / this.#timing.periodBlocks;
        this.#held.markFilled(slot.slotId, filledPeriod);
        this.#log.info("slot filled", { slotId: slot.slotId, period: filledPeriod, hash: sent.hash });
        return { transactionHash: sent.hash, filledPeriod };
      } catch (err) {
        if (err instanceof ContractRevertError) {
          if (err.errorName === "StorageMarketRequestNotActive")
            throw new SlotRefusedError("request-not-open", err.message);
          if (!RETRY_REVERTS.has(err.errorName)) throw new SlotFillRefusedError(err.errorName, err.message);
          lastFailure = err.message;
          continue;
        }
        const name = (err as { name?: unknown }).name;
        if (typeof name === "string" && RETRY_SEND_ERRORS.has(name) && !signal?.aborted) {
          lastFailure = (err as Error).message;
          this.#log.warn("fill not mined; reading the slot and trying again", {
            slotId: slot.slotId,
            err: name,
          });
          continue;
        }
        throw err;
      }
    }
    throw new SlotFillTimeoutError(
      `slot ${slot.slotId} was not filled in ${this.#attempts} attempts; last: ${lastFailure}`,
    );
  }

  /**
   * Waits until a fill sent now is proven with the current period's seed: the head is past
   * the period's first block (whose hash is the seed) and short of its end. Returns the period.
   */
  async #fillPeriod(signal?: AbortSignal): Promise<bigint> {
    const blocks = this.#timing.periodBlocks;
    for (;;) {
      signal?.throwIfAborted();
      const head = await this.#client.getBlockNumber({ cacheTime: 0 });
      const offset = head % blocks;
      if (offset >= 1n && offset <= blocks - 1n - FILL_SLACK_BLOCKS) return head / blocks;
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
  }

  #slotInfo(slotId: Hex) {
    return this.#client.readContract({
      address: this.#market,
      abi: storageMarketAbi,
      functionName: "slotInfo",
      args: [slotId],
    });
  }
}
