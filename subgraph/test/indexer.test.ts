/**
 * The local indexer against a chain that moves: it follows new blocks, keeps its store
 * across a restart (resuming, not reindexing), reverts a reorg's orphaned blocks, and
 * waits for blocks that the client has sealed but not yet executed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { type Hex, parseEther } from "viem";
import { channelIdOf } from "../../node/src/core/index.ts";
import { asIfUnexecuted } from "../../node/test/helpers/late-execution.ts";
import type { Cairn } from "../../test/helpers/cairn.ts";
import { type Indexer, type IndexerOptions, startIndexer } from "../runner/indexer.ts";
import type { DeploymentSources } from "../runner/runner.ts";
import { serveRpc } from "./rpc-proxy.ts";
import { deployForIndexing } from "./scenario.ts";

describe("local indexer", () => {
  let connection: NetworkConnection;
  let cairn: Cairn;
  let deployment: DeploymentSources;
  let rpc: Awaited<ReturnType<typeof serveRpc>>;
  let dataDir: string;
  let chainId: number;
  let indexer: Indexer | undefined;
  const lines: string[] = [];

  // Like @ethereumjs/client: blocks from `unexecutedFrom` on are on the chain, but have
  // no receipts or logs yet.
  let unexecutedFrom: bigint | undefined;
  const executeLate = (method: string, result: unknown) => asIfUnexecuted(method, result, unexecutedFrom);

  before(async () => {
    connection = await network.create();
    ({ cairn, deployment } = await deployForIndexing(connection));
    rpc = await serveRpc(connection, executeLate);
    chainId = await cairn.publicClient.getChainId();
    dataDir = mkdtempSync(join(tmpdir(), "cairn-indexer-"));
  });

  after(async () => {
    await indexer?.stop();
    await rpc?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const options = (): IndexerOptions => ({
    rpcUrl: rpc.url,
    deployment: { chainId, contracts: deployment.contracts },
    dataDir,
    port: 0,
    pollInterval: 50,
    log: (line) => {
      lines.push(line);
      if (process.env.DEBUG_INDEXER) console.log(line);
    },
  });

  async function query<T>(text: string): Promise<T> {
    assert.ok(indexer);
    const response = await fetch(indexer.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: text }),
    });
    const body = (await response.json()) as { data: T; errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data;
  }

  const head = async () => Number(await cairn.publicClient.getBlockNumber());
  const sender = () => cairn.clients[0] ?? assert.fail("no client");
  const recipient = () => cairn.providers[0] ?? assert.fail("no provider");

  async function openChannel(deposit: bigint): Promise<Hex> {
    const from = sender();
    const id = await cairn.channels.read.nextChannelId([from.account.address]);
    await cairn.channels.write.open([recipient().account.address, 60], {
      account: from.account,
      value: deposit,
    });
    return id.toLowerCase() as Hex;
  }

  it("follows new blocks", async () => {
    indexer = await startIndexer(options());
    await indexer.waitForBlock(await head());
    const first = await openChannel(parseEther("1"));
    await indexer.waitForBlock(await head());
    const data = await query<{ paymentChannel: { id: string; deposited: string } }>(
      `{ paymentChannel(id: "${first}") { id deposited } }`,
    );
    assert.deepEqual(data.paymentChannel, { id: first, deposited: parseEther("1").toString() });
  });

  it("resumes from its store after a restart", async () => {
    assert.ok(indexer);
    const before = indexer.head();
    await indexer.stop();
    // Events while it is down.
    const second = await openChannel(parseEther("2"));
    indexer = await startIndexer(options());
    // The store's head is where it stopped, before any new block is read.
    assert.ok(indexer.head() !== undefined && before !== undefined && (indexer.head() as number) >= before);
    await indexer.waitForBlock(await head());
    const data = await query<{ paymentChannels: { id: string }[] }>(
      `{ paymentChannels(orderBy: openedAt) { id } }`,
    );
    assert.equal(data.paymentChannels.length, 2);
    assert.ok(data.paymentChannels.some((c) => c.id === second));
    assert.ok(!lines.some((line) => line.includes("starting over")), "it did not reindex");
  });

  it("reverts blocks that a reorg orphaned", async () => {
    assert.ok(indexer);
    const snapshot = (await connection.provider.request({ method: "evm_snapshot", params: [] })) as string;
    const orphan = await openChannel(parseEther("3"));
    await cairn.networkHelpers.mine(2);
    await indexer.waitForBlock(await head());
    const seen = await query<{ paymentChannel: { id: string } | null }>(
      `{ paymentChannel(id: "${orphan}") { id } }`,
    );
    assert.ok(seen.paymentChannel, "the orphan-to-be was indexed");
    const orphanHead = indexer.head() as number;

    // The fork: back to the snapshot, then a different, longer branch.
    await connection.provider.request({ method: "evm_revert", params: [snapshot] });
    await cairn.networkHelpers.mine(1);
    await cairn.channels.write.deposit([channelIdOf(sender().account.address, 0n)], {
      account: sender().account,
      value: 5n,
    });
    await cairn.networkHelpers.mine(3);
    const newHead = await head();
    assert.ok(newHead > orphanHead);
    await indexer.waitForBlock(newHead);
    // waitForBlock can be satisfied by the old branch's head; wait for the new hash.
    const expected = (await cairn.publicClient.getBlock({ blockNumber: BigInt(newHead) })).hash;
    for (let i = 0; i < 100; i++) {
      const meta = await query<{ _meta: { block: { hash: string } } }>(`{ _meta { block { hash } } }`);
      if (meta._meta.block.hash === expected) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = await query<{
      paymentChannel: { id: string } | null;
      paymentChannels: { id: string; deposited: string }[];
      _meta: { block: { number: number; hash: string } };
    }>(
      `{ paymentChannel(id: "${orphan}") { id } paymentChannels(orderBy: openedAt) { id deposited } _meta { block { number hash } } }`,
    );
    assert.equal(after.paymentChannel, null, "the orphaned channel is gone");
    assert.equal(after.paymentChannels.length, 2);
    assert.equal(
      after.paymentChannels[0]?.deposited,
      (parseEther("1") + 5n).toString(),
      "the new branch's deposit",
    );
    assert.equal(after._meta.block.hash, expected);
    assert.ok(
      lines.some((line) => line.startsWith("reorg:")),
      "it logged the reorg",
    );
  });

  it("does not index past a block that the client has not executed yet", async () => {
    assert.ok(indexer);
    await indexer.waitForBlock(await head());
    unexecutedFrom = BigInt(await head()) + 1n;
    const late = await openChannel(parseEther("4"));
    await cairn.networkHelpers.mine(3);
    // Many polls (every 50 ms) while the channel's block is sealed but not executed.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.ok(BigInt(indexer.head() as number) < unexecutedFrom, `it waits below block ${unexecutedFrom}`);

    unexecutedFrom = undefined;
    await indexer.waitForBlock(await head());
    const data = await query<{ paymentChannel: { deposited: string } | null }>(
      `{ paymentChannel(id: "${late}") { deposited } }`,
    );
    assert.equal(data.paymentChannel?.deposited, parseEther("4").toString(), "the block's event was indexed");
  });
});
