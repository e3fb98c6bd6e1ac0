/**
 * executedHead on a real chain, seen through a client that, like @ethereumjs/client, has
 * sealed some blocks and not yet executed them: no receipts and no logs for them.
 */
import { createPublicClient, createWalletClient, custom, type Hash, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainClient } from "../../src/chain/index.ts";
import { EXECUTION_CHECK_DEPTH, executedHead } from "../../src/chain/executed-head.ts";
import { paymentChannelsAbi } from "../../src/generated/contracts.ts";
import { type RestartableDevnet, startRestartableDevnet } from "./helpers.ts";

describe("executedHead", () => {
  let devnet: RestartableDevnet;
  let client: PublicClient;
  let unexecutedFrom = 2n ** 64n;
  let lateClient: PublicClient;

  beforeAll(async () => {
    devnet = await startRestartableDevnet();
    client = createChainClient(devnet.rpcUrl, devnet.chain.id);
    lateClient = createPublicClient({
      chain: devnet.chain,
      cacheTime: 0,
      transport: custom({
        async request({ method, params }) {
          const result = await client.request({ method, params } as never);
          if (method === "eth_getTransactionReceipt" && result !== null) {
            return BigInt((result as { blockNumber: string }).blockNumber) < unexecutedFrom ? result : null;
          }
          return result;
        },
      }),
    }) as PublicClient;
  }, 60_000);
  afterAll(async () => {
    await devnet?.stop();
  });

  /** A block with one transaction (anvil mines each in its own block); its number. */
  async function blockWithTransaction(): Promise<bigint> {
    const wallet = createWalletClient({
      account: devnet.account("client1"),
      chain: devnet.chain,
      transport: http(devnet.rpcUrl),
    });
    const hash: Hash = await wallet.writeContract({
      address: devnet.contracts.PaymentChannels.address,
      abi: paymentChannelsAbi,
      functionName: "open",
      args: [devnet.account("provider1").address, 3600],
      value: 1000n,
    } as never);
    return (await client.waitForTransactionReceipt({ hash })).blockNumber;
  }

  it("is the head when every block has run, and stops under the oldest block not run", async () => {
    const first = await blockWithTransaction();
    await devnet.mine(1);
    const second = await blockWithTransaction();
    await devnet.mine(2);
    const head = await client.getBlockNumber();
    const from = first - 1n;

    unexecutedFrom = 2n ** 64n;
    expect(await executedHead(lateClient, from, head)).toBe(head);
    // Only the newest transaction's block waits: the empty blocks after it wait with it.
    unexecutedFrom = second;
    expect(await executedHead(lateClient, from, head)).toBe(second - 1n);
    // Both wait: the walk goes on past the empty block to the first.
    unexecutedFrom = first;
    expect(await executedHead(lateClient, from, head)).toBe(first - 1n);
    // Nothing of the range is readable yet.
    expect(await executedHead(lateClient, first, head)).toBe(first - 1n);
    // Empty blocks alone are readable: they have no logs.
    expect(await executedHead(lateClient, second + 1n, head)).toBe(head);
  });

  it("trusts blocks deeper than the check depth", async () => {
    const block = await blockWithTransaction();
    await devnet.mine(Number(EXECUTION_CHECK_DEPTH));
    const head = await client.getBlockNumber();
    unexecutedFrom = block;
    expect(await executedHead(lateClient, block, head)).toBe(head);
  });
});
