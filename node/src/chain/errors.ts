import type { Hash } from "viem";

/**
 * The contract would revert: the simulation before sending failed with a custom error.
 * Nothing was sent. `errorName` and `args` are the decoded error
 * (e.g. `StorageMarketProofNotRequired`, [slotId, period]).
 */
export class ContractRevertError extends Error {
  override name = "ContractRevertError" as const;
  readonly errorName: string;
  readonly args: readonly unknown[];
  readonly functionName: string;

  constructor(functionName: string, errorName: string, args: readonly unknown[], cause?: unknown) {
    super(`${functionName} would revert: ${errorName}(${args.map(formatArg).join(", ")})`, { cause });
    this.functionName = functionName;
    this.errorName = errorName;
    this.args = args;
  }
}

/** A sent transaction was mined but reverted (state changed between simulation and block). */
export class TransactionRevertedError extends Error {
  override name = "TransactionRevertedError" as const;
  readonly hash: Hash;

  constructor(label: string, hash: Hash, blockNumber: bigint) {
    super(`${label} transaction ${hash} reverted in block ${blockNumber}`);
    this.hash = hash;
  }
}

/** A transaction was not mined by its `deadlineBlock`; it may still be pending. */
export class TransactionDeadlineError extends Error {
  override name = "TransactionDeadlineError" as const;
  readonly hashes: readonly Hash[];

  constructor(label: string, deadlineBlock: bigint, hashes: readonly Hash[]) {
    super(
      `${label} transaction not mined by block ${deadlineBlock} (sent as ${hashes.join(", ") || "nothing"})`,
    );
    this.hashes = hashes;
  }
}

/** Another transaction of this account took the nonce (sent from outside this node). */
export class NonceTakenError extends Error {
  override name = "NonceTakenError" as const;
}

/** The send was aborted through its signal. */
export class TransactionAbortedError extends Error {
  override name = "TransactionAbortedError" as const;
}

/** The chain behind the RPC endpoint is not the one the node is configured for. */
export class WrongChainError extends Error {
  override name = "WrongChainError" as const;
}

/** The watcher or the manager was used before `start()` or after `stop()`. */
export class ChainServiceStoppedError extends Error {
  override name = "ChainServiceStoppedError" as const;
}

/** An option is out of range (a programming or config error). */
export class InvalidChainOptionError extends Error {
  override name = "InvalidChainOptionError" as const;
}

function formatArg(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return String(value);
  }
}
