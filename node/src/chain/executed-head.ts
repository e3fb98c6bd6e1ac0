/**
 * How far the chain's logs can be trusted. @ethereumjs/client, the PoA engine of
 * `npm start`, puts a sealed block in its chain (eth_blockNumber and eth_getBlockByNumber
 * see it) before it executes the block and saves its receipts, so for a moment eth_getLogs
 * answers an empty list for a block that has logs. A reader that took that answer would
 * move past the block and lose its events for good (seen in the demo: the indexer never
 * saw a slot's third missed proof, its slash and its freeing).
 *
 * Blocks execute in order, and a block without transactions has no logs. So every log up
 * to `head` is readable once the newest block with transactions at or under `head` has a
 * receipt for its last transaction; if it has none, that block and everything after it
 * wait, and the same question is asked of the blocks before it.
 */
import { type Hash, type PublicClient, TransactionReceiptNotFoundError } from "viem";

/**
 * How many blocks under the head are checked. A client executes a block within seconds of
 * sealing it, so a block this deep has run; the bound keeps an idle chain's empty blocks
 * from being walked at every poll.
 */
export const EXECUTION_CHECK_DEPTH = 64n;

export type ExecutedHeadClient = Pick<PublicClient, "getBlock" | "getTransactionReceipt">;

async function hasReceipt(client: ExecutedHeadClient, hash: Hash): Promise<boolean> {
  try {
    await client.getTransactionReceipt({ hash });
    return true;
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) return false;
    throw error;
  }
}

/**
 * The newest block in `from - 1`..`head` up to which every log can be read: `head` on a
 * client that saves receipts with the block, less while the newest blocks wait to be
 * executed. `from - 1` means that none of `from`..`head` is readable yet. With `from`
 * past `head` there is nothing to check: it answers `head` without a call.
 */
export async function executedHead(client: ExecutedHeadClient, from: bigint, head: bigint): Promise<bigint> {
  let readable = head;
  const deepest = head - EXECUTION_CHECK_DEPTH + 1n;
  const lowest = from > deepest ? from : deepest;
  for (let number = head; number >= lowest; number--) {
    const block = await client.getBlock({ blockNumber: number });
    const last = block.transactions.at(-1);
    if (last === undefined) continue;
    if (await hasReceipt(client, last)) return readable;
    readable = number - 1n;
  }
  return readable;
}
