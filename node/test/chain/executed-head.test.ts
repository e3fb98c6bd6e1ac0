/**
 * executedHead on a real chain, seen through a client that, like @ethereumjs/client, has
 * sealed some blocks and not yet executed them: no receipts and no logs for them.
 */
import type { PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainClient } from "../../src/chain/index.ts";
import { EXECUTION_CHECK_DEPTH, executedHead } from "../../src/chain/executed-head.ts";
import { lateExecution, openChannel, type RestartableDevnet, startRestartableDevnet } from "./helpers.ts";

describe("executedHead", () => {
  let devnet: RestartableDevnet;
  let client: PublicClient;
  let late: ReturnType<typeof lateExecution>;

  beforeAll(async () => {
    devnet = await startRestartableDevnet();
    client = createChainClient(devnet.rpcUrl, devnet.chain.id);
    late = lateExecution(devnet, client);
  }, 60_000);
  afterAll(async () => {
    await devnet?.stop();
  });

  /** A block with one transaction (anvil mines each in its own block); its number. */
  const blockWithTransaction = async () => (await openChannel(devnet, client)).blockNumber;

  it("is the head when every block has run, and stops under the oldest block not run", async () => {
    const first = await blockWithTransaction();
    await devnet.mine(1);
    const second = await blockWithTransaction();
    await devnet.mine(2);
    const head = await client.getBlockNumber();
    const from = first - 1n;

    late.release();
    expect(await executedHead(late.client, from, head)).toBe(head);
    // Only the newest transaction's block waits: the empty blocks after it wait with it.
    late.hold(second);
    expect(await executedHead(late.client, from, head)).toBe(second - 1n);
    // Both wait: the walk goes on past the empty block to the first.
    late.hold(first);
    expect(await executedHead(late.client, from, head)).toBe(first - 1n);
    // Nothing of the range is readable yet.
    expect(await executedHead(late.client, first, head)).toBe(first - 1n);
    // Empty blocks alone are readable: they have no logs.
    expect(await executedHead(late.client, second + 1n, head)).toBe(head);
    // A range that starts past the head has nothing to wait for.
    expect(await executedHead(late.client, head + 1n, head)).toBe(head);
  });

  it("trusts blocks deeper than the check depth", async () => {
    const block = await blockWithTransaction();
    await devnet.mine(Number(EXECUTION_CHECK_DEPTH));
    const head = await client.getBlockNumber();
    late.hold(block);
    expect(await executedHead(late.client, block, head)).toBe(head);
  });
});
