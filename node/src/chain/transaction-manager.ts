import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hash,
  keccak256,
  type LocalAccount,
  type PublicClient,
  TransactionReceiptNotFoundError,
  type TransactionReceipt,
} from "viem";
import type { Logger } from "../logging/index.ts";
import type { Counter, Registry } from "../metrics/index.ts";
import { counter } from "../metrics/index.ts";
import type { Startable } from "../utils/startable.ts";
import {
  DEFAULT_BUMP_AFTER_BLOCKS,
  DEFAULT_BUMP_AFTER_MS,
  DEFAULT_FEE_BUMP_PERCENT,
  DEFAULT_GAS_MARGIN_PERCENT,
  DEFAULT_PRIORITY_FEE,
  DEFAULT_TX_POLL_INTERVAL_MS,
  RPC_RETRY_MAX_MS,
  RPC_RETRY_MIN_MS,
} from "./constants.ts";
import {
  ChainServiceStoppedError,
  ContractRevertError,
  InvalidChainOptionError,
  NonceTakenError,
  TransactionAbortedError,
  TransactionDeadlineError,
  TransactionRevertedError,
  WrongChainError,
} from "./errors.ts";
import { bumpFees, type Fees, initialFees } from "./fees.ts";
import { CAIRN_ERRORS, classifySendError, isTransportError, toContractRevert } from "./rpc-errors.ts";
import type { ContractWrite, SendOptions, SentTransaction, TransactionSender } from "./types.ts";

export interface TransactionManagerInit {
  /** The chain id transactions are signed for; `start()` checks the endpoint serves it. */
  chainId: number;
  /** Percent added to tip and max fee per replacement, at least 10. @default DEFAULT_FEE_BUMP_PERCENT (12) */
  feeBumpPercent?: number;
  /** Blocks unmined before a replacement. @default DEFAULT_BUMP_AFTER_BLOCKS (3) */
  bumpAfterBlocks?: number;
  /** Ms unmined before a replacement. @default DEFAULT_BUMP_AFTER_MS (20 s) */
  bumpAfterMs?: number;
  /** Ms between receipt checks. @default DEFAULT_TX_POLL_INTERVAL_MS (500) */
  pollIntervalMs?: number;
  /** Highest max fee per gas the node pays, in wei; replacements stop rising there. @default no cap */
  maxFeePerGas?: bigint;
  /** Percent added to the gas estimate. @default DEFAULT_GAS_MARGIN_PERCENT (25) */
  gasMarginPercent?: number;
}

export interface TransactionManagerComponents {
  publicClient: PublicClient;
  /** The node wallet's account; it signs locally, so the manager knows each hash before sending. */
  account: LocalAccount;
  logger: Logger;
  /** When given, `cairn_chain_transactions_*_total` are exported into it. */
  metrics?: Registry;
}

interface Job {
  write: ContractWrite;
  options: SendOptions;
  resolve(sent: SentTransaction): void;
  reject(err: unknown): void;
}

interface Metrics {
  sent: Counter<"label">;
  mined: Counter<"label">;
  replaced: Counter<"label">;
  failed: Counter<"label" | "reason">;
}

/** Attempts of one nonce: every signed version, newest last. */
interface Attempt {
  nonce: number;
  gas: bigint;
  data: `0x${string}`;
  fees: Fees;
  hashes: Hash[];
  sentAtBlock: bigint;
  sentAtMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Blocks a used nonce may show no receipt of ours before it counts as taken by another sender. */
const RECEIPT_GRACE_BLOCKS = 3n;

/**
 * The one owner of the node account's nonces. Every transaction of the node goes through
 * `send`, which runs jobs one at a time (the one with the earliest deadline first), so two
 * services never race for a nonce, and a proof due this period overtakes a settlement that
 * can wait.
 *
 * Each job: simulate (a revert throws `ContractRevertError` and sends nothing), estimate
 * gas, sign with the next nonce, send, and watch for the receipt; a transaction still
 * unmined after `bumpAfterBlocks` blocks or `bumpAfterMs` is replaced at the same nonce
 * with tip and max fee raised by `feeBumpPercent` (geth requires 10%). Because signing is
 * local, the hash is known before sending: after an RPC error the manager asks the node
 * whether it has that hash instead of guessing, and re-sends the same bytes if not. The
 * nonce is read from the chain's pending count at the first send and again after anything
 * that may have left it unknown (an RPC error, a deadline, a nonce refusal), so a restart
 * resumes where the chain is.
 *
 * Jobs run one after another, each to its receipt: the node sends a few transactions a
 * period, and one in flight at a time keeps nonce recovery exact (there is never a later
 * nonce to strand behind a dropped one).
 */
export class TransactionManager implements TransactionSender, Startable {
  readonly address: Address;
  readonly #client: PublicClient;
  readonly #account: LocalAccount;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #chainId: number;
  readonly #bumpPercent: number;
  readonly #bumpAfterBlocks: bigint;
  readonly #bumpAfterMs: number;
  readonly #pollMs: number;
  readonly #maxFee: bigint | undefined;
  readonly #gasMargin: bigint;
  readonly #queue: Job[] = [];
  #nonce: number | undefined;
  #running = false;
  #started = false;

  constructor(components: TransactionManagerComponents, init: TransactionManagerInit) {
    this.#client = components.publicClient;
    this.#account = components.account;
    this.address = components.account.address;
    this.#log = components.logger;
    this.#chainId = init.chainId;
    this.#bumpPercent = init.feeBumpPercent ?? DEFAULT_FEE_BUMP_PERCENT;
    if (!Number.isInteger(this.#bumpPercent) || this.#bumpPercent < 10 || this.#bumpPercent > 1000)
      throw new InvalidChainOptionError(
        `feeBumpPercent must be an integer from 10 to 1000, got ${this.#bumpPercent}`,
      );
    const bumpAfterBlocks = init.bumpAfterBlocks ?? DEFAULT_BUMP_AFTER_BLOCKS;
    if (!Number.isInteger(bumpAfterBlocks) || bumpAfterBlocks < 1)
      throw new InvalidChainOptionError(`bumpAfterBlocks must be a positive integer, got ${bumpAfterBlocks}`);
    this.#bumpAfterBlocks = BigInt(bumpAfterBlocks);
    this.#bumpAfterMs = positive("bumpAfterMs", init.bumpAfterMs ?? DEFAULT_BUMP_AFTER_MS);
    this.#pollMs = positive("pollIntervalMs", init.pollIntervalMs ?? DEFAULT_TX_POLL_INTERVAL_MS);
    this.#maxFee = init.maxFeePerGas;
    this.#gasMargin = BigInt(init.gasMarginPercent ?? DEFAULT_GAS_MARGIN_PERCENT);
    if (components.metrics !== undefined) {
      const registry = components.metrics;
      this.#metrics = {
        sent: counter(registry, {
          name: "cairn_chain_transactions_sent_total",
          help: "Transactions signed and sent (first versions, not replacements)",
          labelNames: ["label"],
        }),
        mined: counter(registry, {
          name: "cairn_chain_transactions_mined_total",
          help: "Transactions mined successfully",
          labelNames: ["label"],
        }),
        replaced: counter(registry, {
          name: "cairn_chain_transactions_replaced_total",
          help: "Fee bumps: a pending transaction re-sent at the same nonce with higher fees",
          labelNames: ["label"],
        }),
        failed: counter(registry, {
          name: "cairn_chain_transactions_failed_total",
          help: "Sends that failed: simulation revert, on-chain revert, deadline, abort or error",
          labelNames: ["label", "reason"],
        }),
      };
    }
  }

  /** Checks the endpoint's chain id (retrying while it is unreachable would hide a wrong URL, so it does not). */
  async start(): Promise<void> {
    const chainId = await this.#client.getChainId();
    if (chainId !== this.#chainId)
      throw new WrongChainError(
        `the RPC endpoint serves chain ${chainId}, but the node is set to chain ${this.#chainId}`,
      );
    this.#started = true;
  }

  /** Rejects queued jobs; the job in flight finishes (its transaction is already out). */
  stop(): void {
    this.#started = false;
    for (const job of this.#queue.splice(0))
      job.reject(new ChainServiceStoppedError("the transaction manager stopped"));
  }

  send(write: ContractWrite, options: SendOptions = {}): Promise<SentTransaction> {
    if (!this.#started)
      return Promise.reject(new ChainServiceStoppedError("the transaction manager is not started"));
    return new Promise<SentTransaction>((resolve, reject) => {
      this.#queue.push({ write, options, resolve, reject });
      void this.#pump();
    });
  }

  /** The nonce the next transaction will use, if known (for tests and diagnostics). */
  get nextNonce(): number | undefined {
    return this.#nonce;
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let job = this.#next(); job !== undefined; job = this.#next()) {
        const label = job.options.label ?? job.write.functionName;
        try {
          job.resolve(await this.#run(job.write, job.options, label));
          this.#metrics?.mined.inc({ label });
        } catch (err) {
          this.#metrics?.failed.inc({ label, reason: reasonOf(err) });
          job.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** The queued job with the earliest deadline; jobs without one keep their order after those. */
  #next(): Job | undefined {
    let best = -1;
    this.#queue.forEach((job, i) => {
      const deadline = job.options.deadlineBlock;
      if (deadline === undefined) {
        if (best === -1) best = i;
        return;
      }
      const current = best === -1 ? undefined : this.#queue[best]?.options.deadlineBlock;
      if (best === -1 || current === undefined || deadline < current) best = i;
    });
    return best === -1 ? undefined : this.#queue.splice(best, 1)[0];
  }

  async #run(write: ContractWrite, options: SendOptions, label: string): Promise<SentTransaction> {
    const data = encodeFunctionData({
      abi: write.abi,
      functionName: write.functionName,
      args: write.args ?? [],
    } as Parameters<typeof encodeFunctionData>[0]);
    let attempt: Attempt | undefined;
    let delay = RPC_RETRY_MIN_MS;
    for (;;) {
      this.#checkAbort(options, label);
      try {
        if (attempt === undefined) {
          attempt = await this.#firstAttempt(write, data, options, label);
          if (attempt === undefined) continue;
          this.#metrics?.sent.inc({ label });
        }
        const outcome = await this.#watch(attempt, write, options, label);
        if (outcome === "retry") {
          attempt = undefined;
          continue;
        }
        this.#nonce = attempt.nonce + 1;
        return outcome;
      } catch (err) {
        if (!isTransportError(err)) {
          if (err instanceof TransactionRevertedError && attempt !== undefined)
            this.#nonce = attempt.nonce + 1;
          // After a simulation revert nothing was sent; after anything else the nonce may or
          // may not be used, so it is read from the chain next time.
          else if (!(err instanceof ContractRevertError)) this.#nonce = undefined;
          throw err;
        }
        this.#log.warn("RPC error while sending; retrying", {
          label,
          err: shortMessage(err),
          retryInMs: delay,
        });
        this.#nonce = undefined;
        await sleep(delay);
        delay = Math.min(delay * 2, RPC_RETRY_MAX_MS);
      }
    }
  }

  /**
   * Simulates, prices and sends the first version. Returns undefined when the chain's
   * nonce moved under it (resynced; the caller tries again).
   */
  async #firstAttempt(
    write: ContractWrite,
    data: `0x${string}`,
    options: SendOptions,
    label: string,
  ): Promise<Attempt | undefined> {
    await this.#simulate(write, label);
    const gas = await this.#estimateGas(write, label);
    const nonce = this.#nonce ?? (await this.#pendingNonce());
    this.#nonce = nonce;
    const [block, tip] = await Promise.all([
      this.#client.getBlock({ blockTag: "latest" }),
      this.#suggestedTip(),
    ]);
    if (options.deadlineBlock !== undefined && block.number >= options.deadlineBlock) {
      throw new TransactionDeadlineError(label, options.deadlineBlock, []);
    }
    const fees = initialFees(block.baseFeePerGas ?? 0n, tip, this.#maxFee);
    const attempt: Attempt = {
      nonce,
      gas: gas + (gas * this.#gasMargin) / 100n,
      data,
      fees,
      hashes: [],
      sentAtBlock: block.number,
      sentAtMs: Date.now(),
    };
    const sent = await this.#broadcast(attempt, write, label);
    if (sent === "nonce-moved") {
      this.#nonce = undefined;
      return undefined;
    }
    this.#log.debug("sent", {
      label,
      nonce,
      hash: attempt.hashes.at(-1),
      gas: attempt.gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return attempt;
  }

  /** The gas the call needs now; a revert here (the state moved since the simulation) is decoded too. */
  #estimateGas(write: ContractWrite, label: string): Promise<bigint> {
    return this.#dryRun(write, label, "gas estimate", (call) =>
      this.#client.estimateContractGas(call as Parameters<PublicClient["estimateContractGas"]>[0]),
    );
  }

  async #simulate(write: ContractWrite, label: string): Promise<void> {
    await this.#dryRun(write, label, "simulation", (call) =>
      this.#client.simulateContract(call as Parameters<PublicClient["simulateContract"]>[0]),
    );
  }

  /**
   * Runs the call against the chain's state without sending it, as this account and with
   * Cairn's errors in the ABI, so a revert is decoded into `ContractRevertError`.
   */
  async #dryRun<T>(
    write: ContractWrite,
    label: string,
    what: "simulation" | "gas estimate",
    run: (call: Record<string, unknown>) => Promise<T>,
  ): Promise<T> {
    try {
      return await run({
        address: write.address,
        abi: [...write.abi, ...CAIRN_ERRORS] as Abi,
        functionName: write.functionName,
        args: write.args ?? [],
        value: write.value,
        account: this.address,
      });
    } catch (err) {
      const revert = toContractRevert(write.functionName, err);
      if (revert !== undefined) {
        this.#log.debug(`${what} reverted; not sending`, { label, error: revert.errorName });
        throw revert;
      }
      throw err;
    }
  }

  /**
   * Signs the attempt at its current fees and sends it. "nonce-moved": the node says the
   * nonce is used and by none of our versions. "underpriced": refused for its fees (the
   * watch loop finds it unknown and prices it again).
   */
  async #broadcast(
    attempt: Attempt,
    write: ContractWrite,
    label: string,
  ): Promise<"sent" | "known" | "nonce-moved" | "underpriced"> {
    const serialized = await this.#account.signTransaction({
      chainId: this.#chainId,
      type: "eip1559",
      nonce: attempt.nonce,
      to: write.address,
      data: attempt.data,
      value: write.value ?? 0n,
      gas: attempt.gas,
      maxFeePerGas: attempt.fees.maxFeePerGas,
      maxPriorityFeePerGas: attempt.fees.maxPriorityFeePerGas,
    });
    const hash = keccak256(serialized);
    if (!attempt.hashes.includes(hash)) attempt.hashes.push(hash);
    try {
      await this.#client.sendRawTransaction({ serializedTransaction: serialized });
      return "sent";
    } catch (err) {
      if (isTransportError(err)) {
        // The node may have it even though the answer was lost; the watch loop asks by hash.
        this.#log.warn("RPC error sending a transaction; will check whether it arrived", {
          label,
          hash,
          err: shortMessage(err),
        });
        return "sent";
      }
      const refusal = classifySendError(err);
      if (refusal === "known") return "known";
      if (refusal === "underpriced") {
        // Below the base fee, or too small a step over the version the node has: the watch
        // loop prices it again.
        this.#log.warn("refused as underpriced; will price it again", { label, nonce: attempt.nonce });
        return "underpriced";
      }
      if (refusal === "nonce-too-low") {
        if (await this.#minedReceipt(attempt)) return "sent";
        if (attempt.hashes.length > 1) return "sent"; // an earlier version may be mined; the watch finds it
        return "nonce-moved";
      }
      throw err;
    }
  }

  /** Polls until a version is mined, bumping fees while it is not. "retry": start over with a new nonce. */
  async #watch(
    attempt: Attempt,
    write: ContractWrite,
    options: SendOptions,
    label: string,
  ): Promise<SentTransaction | "retry"> {
    // The head at which the nonce was first seen used without a receipt of ours: some
    // clients (@ethereumjs/client) index receipts a little after the block, so "taken by
    // someone else" is only concluded a few blocks later.
    let nonceUsedAt: bigint | undefined;
    /** Whether a version was re-sent after the node lost it, and the nonce had moved. */
    let lostThenMoved = false;
    for (;;) {
      await sleep(this.#pollMs);
      this.#checkAbort(options, label, attempt.hashes);
      const receipt = await this.#minedReceipt(attempt);
      if (receipt !== undefined) {
        if (receipt.status !== "success")
          throw new TransactionRevertedError(label, receipt.transactionHash, receipt.blockNumber);
        return { hash: receipt.transactionHash, receipt };
      }
      const head = await this.#client.getBlockNumber({ cacheTime: 0 });
      if (options.deadlineBlock !== undefined && head >= options.deadlineBlock) {
        // Last look: it may have been mined in the deadline block itself.
        const late = await this.#minedReceipt(attempt);
        if (late?.status === "success") return { hash: late.transactionHash, receipt: late };
        throw new TransactionDeadlineError(label, options.deadlineBlock, attempt.hashes);
      }
      const minedNonce = await this.#client.getTransactionCount({
        address: this.address,
        blockTag: "latest",
      });
      if (minedNonce > attempt.nonce) {
        // The nonce is used: by one of ours (its receipt will show next round) or by a
        // transaction from outside the node.
        const again = await this.#minedReceipt(attempt);
        if (again !== undefined) continue;
        if (await this.#knownByNode(attempt)) continue;
        nonceUsedAt ??= head;
        if (head < nonceUsedAt + RECEIPT_GRACE_BLOCKS) continue;
        // A version the node had lost, and the nonce then used by another transaction: the
        // write never happened, so it starts over with a new nonce.
        if (lostThenMoved) return "retry";
        throw new NonceTakenError(
          `nonce ${attempt.nonce} of ${this.address} was used by a transaction this node did not send (${label})`,
        );
      }
      if (!(await this.#knownByNode(attempt))) {
        // Lost (an RPC restart dropped its pool), or only pending: @ethereumjs/client answers
        // a transaction by hash once it is mined. Sending the newest version again tells.
        const resent = await this.#broadcast(attempt, write, label);
        if (resent !== "known") {
          this.#log.info("transaction unknown to the node; sent it again", {
            label,
            nonce: attempt.nonce,
            answer: resent,
          });
          if (resent === "nonce-moved") {
            // Used by another transaction, or by our own version, mined while the node did
            // not report it: @ethereumjs/client may answer a pending transaction as unknown
            // and index its receipt late. Starting over now would make the write twice (seen
            // with `register`: the second one reverted as already registered), so the
            // receipt gets the same grace as a nonce found used above.
            lostThenMoved = true;
            nonceUsedAt ??= head;
            if (head < nonceUsedAt + RECEIPT_GRACE_BLOCKS) continue;
            return "retry";
          }
          if (resent === "underpriced") await this.#bump(attempt, write, label, head);
          continue;
        }
        // Refused as already known: pending in the node's pool, so nothing was lost, and it
        // may still need a higher fee.
      }
      if (
        head >= attempt.sentAtBlock + this.#bumpAfterBlocks ||
        Date.now() - attempt.sentAtMs >= this.#bumpAfterMs
      ) {
        await this.#bump(attempt, write, label, head);
      }
    }
  }

  async #bump(attempt: Attempt, write: ContractWrite, label: string, head: bigint): Promise<void> {
    const block = await this.#client.getBlock({ blockTag: "latest" });
    const next = bumpFees(attempt.fees, this.#bumpPercent, block.baseFeePerGas ?? 0n, this.#maxFee);
    attempt.sentAtBlock = head;
    attempt.sentAtMs = Date.now();
    if (next === undefined) {
      this.#log.warn("fee cap reached; not bumping further", { label, nonce: attempt.nonce });
      return;
    }
    attempt.fees = next;
    await this.#broadcast(attempt, write, label);
    this.#metrics?.replaced.inc({ label });
    this.#log.info("fee bumped", {
      label,
      nonce: attempt.nonce,
      hash: attempt.hashes.at(-1),
      maxFeePerGas: next.maxFeePerGas,
      maxPriorityFeePerGas: next.maxPriorityFeePerGas,
    });
  }

  /** The receipt of whichever version of the attempt was mined, if any. */
  async #minedReceipt(attempt: Attempt): Promise<TransactionReceipt | undefined> {
    for (const hash of [...attempt.hashes].reverse()) {
      try {
        return await this.#client.getTransactionReceipt({ hash });
      } catch (err) {
        if (!(err instanceof TransactionReceiptNotFoundError)) throw err;
      }
    }
    return undefined;
  }

  /** Whether the node still has some version of the attempt (pending or mined). */
  async #knownByNode(attempt: Attempt): Promise<boolean> {
    for (const hash of attempt.hashes) {
      const tx = await this.#client.getTransaction({ hash }).catch((err: unknown) => {
        if (isTransportError(err)) throw err;
        return undefined;
      });
      if (tx !== undefined && tx !== null) return true;
    }
    return false;
  }

  async #pendingNonce(): Promise<number> {
    const nonce = await this.#client.getTransactionCount({ address: this.address, blockTag: "pending" });
    this.#log.debug("nonce read from the chain", { nonce });
    return nonce;
  }

  async #suggestedTip(): Promise<bigint> {
    try {
      return await this.#client.estimateMaxPriorityFeePerGas();
    } catch (err) {
      if (isTransportError(err)) throw err;
      return DEFAULT_PRIORITY_FEE;
    }
  }

  #checkAbort(options: SendOptions, label: string, hashes: readonly Hash[] = []): void {
    if (options.signal?.aborted) {
      throw new TransactionAbortedError(
        `${label} aborted${hashes.length > 0 ? ` (sent as ${hashes.join(", ")}; it may still be mined)` : ""}`,
      );
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidChainOptionError(`${name} must be positive, got ${value}`);
  return value;
}

function reasonOf(err: unknown): string {
  const name = (err as { name?: unknown } | undefined)?.name;
  switch (name) {
    case "ContractRevertError":
      return "simulation-revert";
    case "TransactionRevertedError":
      return "reverted";
    case "TransactionDeadlineError":
      return "deadline";
    case "TransactionAbortedError":
      return "aborted";
    case "NonceTakenError":
      return "nonce-taken";
    default:
      return "error";
  }
}

function shortMessage(err: unknown): string {
  const short = (err as { shortMessage?: unknown } | undefined)?.shortMessage;
  if (typeof short === "string") return short;
  return err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
}
