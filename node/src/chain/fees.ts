/**
 * EIP-1559 fees for the node's transactions and their replacements (London rules).
 * A replacement must raise both the tip and the max fee by at least 10% over the version
 * it replaces (geth's `txpool.pricebump`); the max fee also follows the base fee up, so a
 * transaction stuck behind a rising base fee gets in.
 */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** Room for the base fee to double before the transaction is priced out: 2 * base + tip. */
export function initialFees(baseFee: bigint, tip: bigint, cap: bigint | undefined): Fees {
  const maxFeePerGas = 2n * baseFee + tip;
  if (cap !== undefined && maxFeePerGas > cap) {
    return { maxFeePerGas: cap, maxPriorityFeePerGas: tip < cap ? tip : cap };
  }
  return { maxFeePerGas, maxPriorityFeePerGas: tip };
}

/** `value` raised by `percent`, rounded up, and by at least 1 wei. */
export function raise(value: bigint, percent: number): bigint {
  const raised = (value * BigInt(100 + percent) + 99n) / 100n;
  return raised > value ? raised : value + 1n;
}

/**
 * The fees of the next replacement, or undefined when the cap leaves no room for a valid
 * one (a replacement below +10% would be refused anyway).
 */
export function bumpFees(
  previous: Fees,
  percent: number,
  baseFee: bigint,
  cap: bigint | undefined,
): Fees | undefined {
  const maxPriorityFeePerGas = raise(previous.maxPriorityFeePerGas, percent);
  let maxFeePerGas = raise(previous.maxFeePerGas, percent);
  const followBase = 2n * baseFee + maxPriorityFeePerGas;
  if (followBase > maxFeePerGas) maxFeePerGas = followBase;
  if (cap !== undefined && maxFeePerGas > cap) {
    if (raise(previous.maxFeePerGas, percent) > cap) return undefined;
    maxFeePerGas = cap;
  }
  if (maxPriorityFeePerGas > maxFeePerGas) return undefined;
  return { maxFeePerGas, maxPriorityFeePerGas };
}
