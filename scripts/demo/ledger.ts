/**
 * What each node's wallet spent on gas over a block range: every transaction it sent,
 * read back from the chain's blocks and receipts (the chain is the only honest record;
 * the nodes' own logs could miss a transaction sent before a crash).
 */
import type { Address, Hash, PublicClient } from "viem";

export interface GasRow {
  name: string;
  transactions: number;
  gasUsed: bigint;
  /** wei: gasUsed × effectiveGasPrice, summed. */
  cost: bigint;
}

/** Blocks fetched at once: enough to be quick, few enough not to flood a small node's RPC. */
const BATCH = 16;

export async function gasByAccount(
  client: PublicClient,
  accounts: readonly { name: string; address: Address }[],
  fromBlock: bigint,
  toBlock: bigint,
): Promise<GasRow[]> {
  const nameOf = new Map(accounts.map((a) => [a.address.toLowerCase(), a.name]));
  const sent: { name: string; hash: Hash }[] = [];
  for (let start = fromBlock; start <= toBlock; start += BigInt(BATCH)) {
    const numbers: bigint[] = [];
    for (let n = start; n <= toBlock && n < start + BigInt(BATCH); n++) numbers.push(n);
    const blocks = await Promise.all(
      numbers.map((blockNumber) => client.getBlock({ blockNumber, includeTransactions: true })),
    );
    for (const block of blocks) {
      for (const tx of block.transactions) {
        const name = nameOf.get(tx.from.toLowerCase());
        if (name !== undefined) sent.push({ name, hash: tx.hash });
      }
    }
  }
  const rows = new Map<string, GasRow>(
    accounts.map((a) => [a.name, { name: a.name, transactions: 0, gasUsed: 0n, cost: 0n }]),
  );
  for (let i = 0; i < sent.length; i += BATCH) {
    const batch = sent.slice(i, i + BATCH);
    const receipts = await Promise.all(batch.map(({ hash }) => client.getTransactionReceipt({ hash })));
    receipts.forEach((receipt, j) => {
      const row = rows.get((batch[j] as { name: string }).name) as GasRow;
      row.transactions += 1;
      row.gasUsed += receipt.gasUsed;
      row.cost += receipt.gasUsed * receipt.effectiveGasPrice;
    });
  }
  return [...rows.values()].filter((row) => row.transactions > 0);
}
