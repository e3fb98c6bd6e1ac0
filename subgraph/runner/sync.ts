/**
 * Following the chain: each step checks that the store's head is still on the chain
 * (else reverts to the newest block both agree on: a reorg), then indexes the next range
 * of blocks up to the chain's head (the newest block whose logs the client has saved),
 * committing every block with logs and the range's end.
 */
import { executedHead } from "@cairn/node/executed-head";
import type { Block, Hex, PublicClient } from "viem";
import { ChainMoved, blockInput, fetchBlocks, pointerOf, type SubgraphRunner } from "./runner.ts";

export interface SyncOptions {
  /** Blocks per getLogs call. @default 2000 */
  batchSize?: number;
  /** Blocks behind the chain's head to stay (0 on a devnet; reorgs are handled anyway). @default 0 */
  confirmations?: number;
  log?: (line: string) => void;
}

export interface SyncResult {
  /** The store's head after the step. */
  head: number;
  /** The block reverted to, when a reorg was found. */
  revertedTo?: number;
  /** Whether the store reached the chain's head. */
  caughtUp: boolean;
}

/** How many committed blocks are checked when looking for a fork point. */
const REORG_SEARCH_DEPTH = 1024;

async function hashAt(client: PublicClient, number: number): Promise<Hex | undefined> {
  try {
    return (await client.getBlock({ blockNumber: BigInt(number) })).hash ?? undefined;
  } catch {
    return undefined;
  }
}

/** Reverts the store to the newest committed block still on the chain; its number, or undefined if none moved. */
async function handleReorg(
  runner: SubgraphRunner,
  client: PublicClient,
  log: (line: string) => void,
): Promise<number | undefined> {
  const head = runner.store.head();
  if (head === undefined || (await hashAt(client, head.number)) === head.hash) return undefined;
  for (const block of runner.store.blocksDescending(REORG_SEARCH_DEPTH)) {
    if ((await hashAt(client, block.number)) === block.hash) {
      log(`reorg: block ${head.number} (${head.hash}) left the chain; reverting to block ${block.number}`);
      runner.store.revertTo(block.number);
      return block.number;
    }
  }
  log(`reorg deeper than ${REORG_SEARCH_DEPTH} committed blocks: reindexing from the start block`);
  runner.store.revertTo(runner.startBlock - 1);
  return runner.startBlock - 1;
}

export async function syncStep(
  runner: SubgraphRunner,
  client: PublicClient,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const { batchSize = 2000, confirmations = 0, log = () => {} } = options;
  const revertedTo = await handleReorg(runner, client, log);
  // A fresh head each step: viem caches the block number for 4 s by default.
  const reportedHead = Number(await client.getBlockNumber({ cacheTime: 0 })) - confirmations;
  const from = (runner.store.head()?.number ?? runner.startBlock - 1) + 1;
  // Blocks sealed but not yet executed wait for the next poll (see executed-head.ts).
  const chainHead = Number(await executedHead(client, BigInt(from), BigInt(reportedHead)));
  if (from > chainHead) {
    return { head: from - 1, caughtUp: true, ...(revertedTo === undefined ? {} : { revertedTo }) };
  }
  const to = Math.min(chainHead, from + batchSize - 1);
  let blocks: Awaited<ReturnType<typeof fetchBlocks>>;
  let end: Block;
  try {
    // The range must extend the store's head, and stay the chain's while its logs are
    // read: the end block is read before and after, and must not change.
    const head = runner.store.head();
    const first = await client.getBlock({ blockNumber: BigInt(from) });
    if (head !== undefined && head.number === from - 1 && first.parentHash !== head.hash) {
      throw new ChainMoved(from);
    }
    end = await client.getBlock({ blockNumber: BigInt(to) });
    blocks = await fetchBlocks(client, runner.addresses, from, to);
    const endAfter = await client.getBlock({ blockNumber: BigInt(to) });
    if (endAfter.hash !== end.hash) throw new ChainMoved(to);
    if (blocks.some((data) => data.block.number === end.number && data.block.hash !== end.hash)) {
      throw new ChainMoved(to);
    }
  } catch (error) {
    if (error instanceof ChainMoved) {
      log(error.message);
      return { head: from - 1, caughtUp: false, ...(revertedTo === undefined ? {} : { revertedTo }) };
    }
    throw error;
  }
  for (const data of blocks) runner.processBlock(data);
  const last = blocks.at(-1);
  if (last === undefined || last.block.number !== end.number) {
    runner.store.commit(pointerOf(blockInput(end)), new Map());
  }
  return { head: to, caughtUp: to === chainHead, ...(revertedTo === undefined ? {} : { revertedTo }) };
}

/** Steps until the store reaches the chain's head. */
export async function syncToHead(
  runner: SubgraphRunner,
  client: PublicClient,
  options: SyncOptions = {},
): Promise<number> {
  for (;;) {
    const result = await syncStep(runner, client, options);
    if (result.caughtUp) return result.head;
  }
}
