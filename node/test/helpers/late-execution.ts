/**
 * What a chain client answers while it has sealed blocks from `unexecutedFrom` on but not
 * yet executed them, as @ethereumjs/client does for a moment after each block: the blocks
 * are on the chain, but it has no receipts and no logs for them. Tests pass each answer
 * through `asIfUnexecuted`: the node's chain tests in a viem transport, the indexer's in
 * its RPC proxy.
 */
export function asIfUnexecuted(method: string, result: unknown, unexecutedFrom: bigint | undefined): unknown {
  if (unexecutedFrom === undefined) return result;
  const executed = (blockNumber: string) => BigInt(blockNumber) < unexecutedFrom;
  if (method === "eth_getLogs") {
    return (result as { blockNumber: string }[]).filter((log) => executed(log.blockNumber));
  }
  if (method === "eth_getTransactionReceipt" && result !== null) {
    return executed((result as { blockNumber: string }).blockNumber) ? result : null;
  }
  return result;
}
