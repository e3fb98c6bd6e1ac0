import { createTestClient, http, type PublicClient, toHex, zeroHash } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ContractRevertError,
  createChainClient,
  createTransactionManager,
  type TransactionManager,
} from "../../src/chain/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { createMetricsRegistry } from "../../src/metrics/index.ts";
import {
  captureLogger,
  interposedClient,
  metricValue,
  type RestartableDevnet,
  startRestartableDevnet,
  walletOf,
} from "./helpers.ts";

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("TransactionManager on a real chain", () => {
  let devnet: RestartableDevnet;
  let client: PublicClient;

  beforeAll(async () => {
    devnet = await startRestartableDevnet();
    client = createChainClient(devnet.rpcUrl, devnet.chain.id);
    // Periods 0 to 7 mined and within the 256-block horizon: recordSeed works for them.
    await devnet.mine(120);
  }, 60_000);
  afterAll(async () => {
    await devnet?.stop();
  });

  /** recordSeed(period) for a mined period: a cheap call that always succeeds. */
  const recordSeed = (period: bigint) => ({
    address: devnet.contracts.StorageMarket.address,
    abi: storageMarketAbi,
    functionName: "recordSeed",
    args: [period],
  });

  function manager(role: string, extra: Partial<ConstructorParameters<typeof TransactionManager>[1]> = {}) {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const { logger, lines } = captureLogger("chain:tx");
    const sender = createTransactionManager(
      { publicClient: client, account: devnet.account(role), logger, metrics },
      { chainId: devnet.chain.id, pollIntervalMs: 50, ...extra },
    );
    return { sender, metrics, lines };
  }

  /** A started manager for `account` that reads the chain through `publicClient`. */
  async function managerOver(
    publicClient: PublicClient,
    account: ReturnType<RestartableDevnet["account"]>,
    extra: Partial<ConstructorParameters<typeof TransactionManager>[1]> = {},
  ) {
    const { logger, lines } = captureLogger("chain:tx");
    const sender = createTransactionManager(
      { publicClient, account, logger },
      { chainId: devnet.chain.id, pollIntervalMs: 50, ...extra },
    );
    await sender.start();
    return { sender, lines };
  }

  it("simulates, sends, waits for the receipt, and counts it", async () => {
    const { sender, metrics } = manager("provider1");
    await sender.start();
    const before = await client.getTransactionCount({ address: sender.address });
    const sent = await sender.send(recordSeed(0n), { label: "recordSeed" });
    expect(sent.receipt.status).toBe("success");
    expect(sent.receipt.from.toLowerCase()).toBe(sender.address.toLowerCase());
    expect(await client.getTransactionCount({ address: sender.address })).toBe(before + 1);
    expect(await metricValue(metrics, "cairn_chain_transactions_sent_total", { label: "recordSeed" })).toBe(
      1,
    );
    expect(await metricValue(metrics, "cairn_chain_transactions_mined_total", { label: "recordSeed" })).toBe(
      1,
    );
    sender.stop();
  });

  it("throws the decoded custom error of a revert and sends nothing", async () => {
    const { sender, metrics } = manager("provider2");
    await sender.start();
    const before = await client.getTransactionCount({ address: sender.address });
    const slotId = `0x${"ab".repeat(31)}01` as const;
    const err = await sender
      .send({
        address: devnet.contracts.StorageMarket.address,
        abi: storageMarketAbi,
        functionName: "markProofAsMissing",
        args: [slotId, 1n],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractRevertError);
    const revert = err as ContractRevertError;
    expect(revert.name).toBe("ContractRevertError");
    expect(revert.errorName).toBe("StorageMarketRequestNotStarted");
    expect(revert.args).toEqual([`0x${"ab".repeat(30)}0000`, 0]); // the request id: low 16 bits cleared
    expect(await client.getTransactionCount({ address: sender.address })).toBe(before);
    expect(
      await metricValue(metrics, "cairn_chain_transactions_failed_total", { reason: "simulation-revert" }),
    ).toBe(1);
    sender.stop();
  });

  it("serialises concurrent sends on consecutive nonces", async () => {
    const { sender } = manager("provider3");
    await sender.start();
    const first = await client.getTransactionCount({ address: sender.address });
    const sends = Array.from({ length: 5 }, (_, i) =>
      sender.send(recordSeed(BigInt(i)), { label: `seed${i}` }),
    );
    const sent = await Promise.all(sends);
    const nonces = await Promise.all(
      sent.map(async (s) => (await client.getTransaction({ hash: s.hash })).nonce),
    );
    expect(nonces.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4].map((i) => first + i));
    sender.stop();
  });

  it("replaces an unmined transaction at the same nonce with fees raised by at least 10%", async () => {
    const { sender, metrics, lines } = manager("provider4", { bumpAfterMs: 300, feeBumpPercent: 12 });
    await sender.start();
    const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });
    await test.setAutomine(false);
    try {
      const sending = sender.send(recordSeed(1n), { label: "stuck" });
      // Nothing is mined while automine is off: wait for two replacements.
      for (
        let i = 0;
        i < 100 && (await metricValue(metrics, "cairn_chain_transactions_replaced_total")) < 2;
        i++
      )
        await new Promise((resolve) => setTimeout(resolve, 50));
      await test.mine({ blocks: 1 });
      const sent = await sending;
      const mined = await client.getTransaction({ hash: sent.hash });
      const logged = lines.map((line) => JSON.parse(line));
      const first = logged.find((l) => l.msg === "sent");
      const bumps = logged.filter((l) => l.msg === "fee bumped");
      expect(bumps.length).toBeGreaterThanOrEqual(2);
      // The mined version is the last replacement, at the first version's nonce.
      expect(mined.nonce).toBe(first.nonce);
      expect(mined.hash).toBe(bumps.at(-1).hash);
      expect(mined.maxPriorityFeePerGas).toBe(BigInt(bumps.at(-1).maxPriorityFeePerGas));
      // Every version raised both tip and max fee by at least 10% over the one before.
      const versions = [first, ...bumps];
      for (let i = 1; i < versions.length; i++) {
        expect(BigInt(versions[i].maxPriorityFeePerGas) * 100n).toBeGreaterThanOrEqual(
          BigInt(versions[i - 1].maxPriorityFeePerGas) * 110n,
        );
        expect(BigInt(versions[i].maxFeePerGas) * 100n).toBeGreaterThanOrEqual(
          BigInt(versions[i - 1].maxFeePerGas) * 110n,
        );
      }
      expect(await metricValue(metrics, "cairn_chain_transactions_mined_total", { label: "stuck" })).toBe(1);
    } finally {
      await test.setAutomine(true);
      sender.stop();
    }
  });

  // anvil drops a transaction from its pool once the base fee passes its max fee (geth keeps
  // it, and the block-count bump fires); either way the manager must price it again.
  it("prices a transaction again when the base fee rises above its max fee", async () => {
    const { sender, metrics, lines } = manager("validator", { bumpAfterBlocks: 2, bumpAfterMs: 600_000 });
    await sender.start();
    const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });
    await test.setAutomine(false);
    let sent: Awaited<ReturnType<typeof sender.send>>;
    try {
      const sending = sender.send(recordSeed(7n), { label: "priced-out" });
      await until(() => lines.some((l) => l.includes('"msg":"sent"')));
      // Then the base fee jumps far above the max fee it was sent with: blocks pass without it.
      const base = (await client.getBlock()).baseFeePerGas ?? 0n;
      await test.request({
        method: "anvil_setNextBlockBaseFeePerGas" as never,
        params: [`0x${(base * 1000n + 10n ** 12n).toString(16)}`] as never,
      });
      await devnet.mine(1);
      expect(await metricValue(metrics, "cairn_chain_transactions_replaced_total")).toBe(0);
      await devnet.mine(1);
      await until(() => lines.some((l) => l.includes('"msg":"fee bumped"')));
      await devnet.mine(1);
      sent = await sending;
    } finally {
      await test.setAutomine(true);
    }
    const logged = lines.map((line) => JSON.parse(line));
    const first = logged.find((l) => l.msg === "sent");
    const bump = logged.find((l) => l.msg === "fee bumped");
    expect(bump).toBeDefined();
    const mined = await client.getBlock({ blockNumber: sent.receipt.blockNumber });
    expect(BigInt(bump.maxFeePerGas)).toBeGreaterThanOrEqual(mined.baseFeePerGas ?? 0n);
    expect(BigInt(first.maxFeePerGas)).toBeLessThan(mined.baseFeePerGas ?? 0n);
    sender.stop();
  });

  it("recovers the nonce when another sender (or a previous run) used it", async () => {
    const { sender } = manager("provider5");
    await sender.start();
    await sender.send(recordSeed(2n));
    // The same account sends from outside the manager, as a restarted node's old run did.
    const external = await walletOf(devnet, "provider5").writeContract({
      address: devnet.contracts.StorageMarket.address,
      abi: storageMarketAbi,
      functionName: "recordSeed",
      args: [3n],
    } as never);
    await client.waitForTransactionReceipt({ hash: external });
    // The manager's cached nonce is now used; it re-reads it from the chain and succeeds.
    const sent = await sender.send(recordSeed(4n));
    expect(sent.receipt.status).toBe("success");
    // A new manager for the same account (a restart) starts from the chain's pending nonce.
    const restarted = manager("provider5").sender;
    await restarted.start();
    expect((await restarted.send(recordSeed(5n))).receipt.status).toBe("success");
    sender.stop();
    restarted.stop();
  });

  it("bumps, and does not re-send, a pending transaction that the node knows only by its pool", async () => {
    // @ethereumjs/client answers eth_getTransactionByHash only for mined transactions; a
    // re-send of a pending one is refused as already known, which is no loss, and the
    // transaction is still priced up while it waits.
    const account = devnet.account("client2");
    const nonceBefore = await client.getTransactionCount({ address: account.address });
    const byMinedOnly = interposedClient(devnet, client, async ({ method, params }, forward) => {
      if (method !== "eth_getTransactionByHash") return forward();
      const receipt = await client.request({ method: "eth_getTransactionReceipt", params } as never);
      return receipt === null ? null : forward();
    });
    const { sender, lines } = await managerOver(byMinedOnly, account, { bumpAfterMs: 200 });
    const anvil = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });
    await anvil.setAutomine(false);
    try {
      const sending = sender.send(recordSeed(4n), { label: "pool-only" });
      await until(() => lines.some((l) => l.includes('"msg":"sent"')));
      await until(() => lines.some((l) => l.includes("fee bumped")));
      await anvil.mine({ blocks: 1 });
      expect((await sending).receipt.status).toBe("success");
    } finally {
      await anvil.setAutomine(true);
    }
    expect(lines.filter((l) => l.includes("sent it again"))).toEqual([]);
    expect(lines.some((l) => l.includes("fee bumped"))).toBe(true);
    expect(await client.getTransactionCount({ address: account.address })).toBe(nonceBefore + 1);
    sender.stop();
  });

  it("waits out a node that reports its mined transaction late, and makes the write once", async () => {
    // What @ethereumjs/client did under `npm start`: for a while after the transaction was
    // sent, it answered it as unknown, had no receipt, and still counted the old nonce as
    // the latest. The re-send then met "nonce too low" (it was mined), and starting over
    // would have made the write a second time.
    const account = devnet.account("client1");
    const nonceBefore = await client.getTransactionCount({ address: account.address });
    let lateUntil = Number.POSITIVE_INFINITY;
    const lagging = interposedClient(devnet, client, ({ method, params }, forward) => {
      if (Date.now() < lateUntil) {
        if (method === "eth_getTransactionByHash" || method === "eth_getTransactionReceipt") return null;
        if (method === "eth_getTransactionCount" && (params as unknown[])[1] === "latest")
          return toHex(nonceBefore);
      }
      return forward();
    });
    const { sender, lines } = await managerOver(lagging, account);
    const sending = sender.send(recordSeed(7n), { label: "late-receipt" });
    await until(() => lines.filter((l) => l.includes("sent it again")).length >= 3);
    lateUntil = Date.now() + 300;
    const sent = await sending;
    expect(sent.receipt.status).toBe("success");
    expect(lines.filter((l) => l.includes("sent it again")).length).toBeGreaterThanOrEqual(3);
    // One transaction: the nonce moved by one, not two.
    expect(await client.getTransactionCount({ address: account.address })).toBe(nonceBefore + 1);
    sender.stop();
  });

  it("survives the RPC going away with a transaction pending, and re-sends it", async () => {
    const { sender, lines } = manager("provider6", { bumpAfterMs: 60_000 });
    await sender.start();
    const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });
    await test.setAutomine(false);
    const sending = sender.send(recordSeed(6n), { label: "across-restart" });
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('"msg":"sent"')); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    // The restart loses anvil's pool: the pending transaction is gone with it.
    await devnet.halt();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await devnet.resume();
    const sent = await sending;
    expect(sent.receipt.status).toBe("success");
    expect(lines.some((l) => l.includes("RPC error"))).toBe(true);
    expect(lines.some((l) => l.includes("sent it again"))).toBe(true);
    expect(zeroHash).not.toBe(sent.hash);
    sender.stop();
  }, 30_000);
});
