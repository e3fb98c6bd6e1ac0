import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContractWrite, SendOptions, TransactionSender } from "../../src/chain/index.ts";
import { createPurchasing, type Purchasing, registryScanProviderSource } from "../../src/purchasing/index.ts";
import { type PurchasingWorld, randomData, startPurchasingWorld } from "./helpers.ts";
import { until } from "../helpers/until.ts";

/**
 * The node's sender with a crash injected around `requestStorage`: "before" dies before the
 * transaction leaves, "after" dies once it is mined but before the purchase hears of it.
 * `die` stops the service first, so nothing of the dead process runs on.
 */
function crashingSender(
  real: TransactionSender,
  when: "before" | "after",
  die: () => Promise<void>,
): TransactionSender {
  return {
    address: real.address,
    async send(write: ContractWrite, options?: SendOptions) {
      if (write.functionName !== "requestStorage") return real.send(write, options);
      if (when === "after") await real.send(write, options);
      await die();
      throw new Error(`the node died ${when} sending`);
    },
  };
}

describe("purchases resume after a restart", () => {
  let world: PurchasingWorld;
  const running: Purchasing[] = [];

  /** A purchasing service as a restarted node builds it, over the same disk. */
  const node = (sender: TransactionSender = world.sender) => {
    const purchasing = createPurchasing(
      {
        sender,
        publicClient: world.client,
        metadata: world.metadata,
        blockstore: world.blockstore,
        providers: registryScanProviderSource(world.client, {
          registry: world.devnet.contracts.ProviderRegistry.address,
          fromBlock: BigInt(world.devnet.contracts.ProviderRegistry.blockNumber),
        }),
        logger: world.logger,
      },
      { market: world.market.market, followIntervalMs: 100, pushRetryMs: 50, runningIntervalMs: 200 },
    );
    running.push(purchasing);
    purchasing.start();
    return purchasing;
  };
  /** Stops the service and reopens the SQLite file, as a process restart does. */
  const restart = async (purchasing: Purchasing) => {
    await purchasing.stop();
    world.reopenMetadata();
  };

  beforeAll(async () => {
    world = await startPurchasingWorld();
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(running.map((p) => p.stop()));
    await world?.stop();
  });

  it.each(["before", "after"] as const)(
    "a crash %s requestStorage leaves one request on-chain, with the recorded nonce",
    async (when) => {
      const cid = await world.storeDataset(randomData(200), 2, 1);
      const before = (await world.requestsOnChain()).length;
      const crashed: Purchasing = node(crashingSender(world.sender, when, () => crashed.stop()));
      await expect(crashed.buy({ cid, duration: 3600n })).rejects.toThrow(/the node died/);
      const [quoted] = crashed.list();
      expect(quoted?.state).toBe("quoted");
      expect((await world.requestsOnChain()).length).toBe(before + (when === "after" ? 1 : 0));
      await restart(crashed);

      const resumed = node();
      const requestId = quoted?.requestId;
      await until("the request on-chain", () =>
        ["requested", "uploading", "started"].includes(resumed.list()[0]?.state ?? ""),
      );
      const requests = await world.requestsOnChain();
      expect(requests.length).toBe(before + 1);
      expect(requests.at(-1)?.requestId).toBe(requestId);
      expect(requests.at(-1)?.request.nonce).toBe(quoted?.request.nonce);
      await until("the request to start", () => resumed.list()[0]?.state === "started");
      await resumed.stop();
    },
    30_000,
  );

  it("a restart while the providers are unreachable resumes the pushes, and the request starts", async () => {
    for (const endpoint of world.endpoints) endpoint.behaviour.down = true;
    const cid = await world.storeDataset(randomData(500), 4, 2);
    const first = node();
    const { purchase } = await first.buy({ cid, duration: 3600n });
    await until(
      "failed pushes",
      () => (first.list()[0]?.slots.filter((s) => s.attempts > 0).length ?? 0) >= 2,
    );
    expect(first.list()[0]?.slots.every((s) => !s.pushed)).toBe(true);
    await restart(first);

    for (const endpoint of world.endpoints) endpoint.behaviour.down = false;
    const second = node();
    await until("the request to start", () => second.list()[0]?.state === "started", 30_000);
    const record = second.list()[0];
    expect(record?.requestId).toBe(purchase.requestId);
    expect(record?.slots.every((s) => s.pushed)).toBe(true);
    for (const slot of record?.slots ?? []) {
      const endpoint = world.endpoints.find((e) => e.address === slot.provider);
      const accepted = endpoint?.received.filter((r) => r.requestId === purchase.requestId);
      expect(accepted).toEqual([
        { requestId: purchase.requestId, index: slot.index, bytes: 262_144, matchesChain: true },
      ]);
    }
    await second.stop();
  }, 45_000);
});
