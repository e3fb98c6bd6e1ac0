import { CID } from "multiformats/cid";
import { type Hex, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeManifest } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { createDirectorySync, ProviderDirectory, pollRegistryLogs } from "../../src/discovery/index.ts";
import {
  directoryProviderSource,
  type PurchaseProgressEvent,
  type Purchasing,
} from "../../src/purchasing/index.ts";
import { randomData, startPurchasingWorld, type PurchasingWorld } from "./helpers.ts";
import { until } from "../helpers/until.ts";

const SLOT = 262_144n;

describe("purchasing on a real chain", () => {
  let world: PurchasingWorld;
  let purchasing: Purchasing;

  const requestInfo = (requestId: Hex) =>
    world.client.readContract({
      address: world.market.market,
      abi: storageMarketAbi,
      functionName: "requestInfo",
      args: [requestId],
    });
  const stateOf = (requestId: Hex) => purchasing.list().find((p) => p.requestId === requestId)?.state;

  beforeAll(async () => {
    world = await startPurchasingWorld();
    purchasing = world.purchasing();
    purchasing.start();
  }, 60_000);
  afterAll(async () => {
    await purchasing?.stop();
    await world?.stop();
  });

  it("quotes k + m providers spread over regions, with the market's escrow and a durability", async () => {
    const quote = await purchasing.quote({
      k: 4,
      m: 2,
      slotSize: SLOT,
      duration: 3600n,
      collateralPerByte: 10n,
    });
    expect(new Set(quote.providers.map((p) => p.address)).size).toBe(6);
    expect(quote.regions).toBe(3);
    expect(quote.infrastructures).toBe(2);
    // One price for every slot: the highest among the chosen.
    expect(quote.pricePerBytePerSecond).toBe(6n);
    expect(quote.escrow).toBe(6n * SLOT * 6n * 3600n);
    expect(quote.durability.survival).toBeGreaterThan(0.99);
    expect(quote.durability.survival).toBeLessThan(1);
    expect(quote.providers.every((p) => p.apiUrl.startsWith("http://127.0.0.1:"))).toBe(true);

    // A price cap leaves the dearer providers out, and says why.
    const capped = await purchasing.quote({
      k: 3,
      m: 1,
      slotSize: SLOT,
      duration: 3600n,
      collateralPerByte: 10n,
      maxPricePerBytePerSecond: 4n,
    });
    expect(capped.pricePerBytePerSecond).toBe(4n);
    expect(capped.escrow).toBe(4n * SLOT * 4n * 3600n);
    expect(capped.excluded).toHaveLength(2);
    expect(capped.excluded.every((e) => /over the maximum/.test(e.reason))).toBe(true);
    // The four cheapest sit in two regions, on both infrastructures.
    expect(capped.regions).toBe(2);
    expect(capped.infrastructures).toBe(2);
  });

  it("quotes from the discovery directory once its sync has caught up, and from an empty one refuses naming the count", async () => {
    const directory = new ProviderDirectory();
    const sync = createDirectorySync(
      {
        directory,
        source: pollRegistryLogs({
          client: world.client,
          address: world.devnet.contracts.ProviderRegistry.address,
          confirmations: 0,
          pollInterval: 50,
        }),
        logger: world.logger,
      },
      { fromBlock: BigInt(world.devnet.contracts.ProviderRegistry.blockNumber) },
    );
    const fromDirectory = world.purchasing({}, world.metadata, directoryProviderSource(directory, sync));
    const terms = { k: 4, m: 2, slotSize: SLOT, duration: 3600n, collateralPerByte: 10n };
    await expect(fromDirectory.quote(terms)).rejects.toMatchObject({ name: "ProvidersNotReadyError" });
    sync.start();
    try {
      await until("the directory to catch up", () => sync.ready);
      const [viaDirectory, viaScan] = await Promise.all([
        fromDirectory.quote(terms),
        purchasing.quote(terms),
      ]);
      expect(viaDirectory.providers.map((p) => p.address)).toEqual(viaScan.providers.map((p) => p.address));
      expect(viaDirectory.escrow).toBe(viaScan.escrow);
    } finally {
      await sync.stop();
    }
    const empty = world.purchasing({}, world.metadata, directoryProviderSource(new ProviderDirectory()));
    await expect(empty.quote(terms)).rejects.toMatchObject({
      name: "NotEnoughProvidersError",
      message: expect.stringMatching(/6 providers are needed but only 0/),
    });
  });

  it("buys a dataset: the request on-chain carries its roots, providers and escrow; every slot reaches its provider and the request starts, then ends and is withdrawn", async () => {
    const cid = await world.storeDataset(randomData(700), 4, 2);
    const manifest = await decodeManifest(await world.blockstore.getBytes(CID.parse(cid)), CID.parse(cid));
    const flaky = world.endpoints[2];
    if (flaky === undefined) throw new Error("no third provider");
    flaky.behaviour.failNext = 1; // one refused push, retried
    const events: PurchaseProgressEvent[] = [];
    const { purchase, quote } = await purchasing.buy(
      { cid, duration: 3600n, collateralPerByte: 10n, maxPricePerBytePerSecond: 10n },
      { onProgress: (event) => events.push(event) },
    );
    expect(purchase.state).toBe("requested");
    expect(purchase.requestId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(world.metadata.datasets.get(cid)?.heldForDeal).toBe(true);

    const onChain = (await world.requestsOnChain()).find((r) => r.requestId === purchase.requestId);
    expect(onChain?.escrow).toBe(quote.escrow);
    expect(onChain?.request.slotRoots).toEqual(manifest.slots.map((s) => toHex(s.root)));
    expect(onChain?.request.providers).toEqual(quote.providers.map((p) => p.address));
    expect(onChain?.request.cid).toBe(toHex(CID.parse(cid).bytes));
    expect(onChain?.request.slotSize).toBe(SLOT);
    expect(onChain?.request.dataSlots).toBe(4);
    const info = await requestInfo(purchase.requestId);
    expect(info.slots).toBe(6);
    expect(info.client).toBe(world.sender.address);

    await until("the request to start", () => stateOf(purchase.requestId) === "started", 45_000);
    // The providers hold every slot now: the client's copy is no longer held.
    expect(world.metadata.datasets.get(cid)?.heldForDeal).toBe(false);
    // Each provider got exactly its own slot, whole, and its bytes open the on-chain commitment.
    quote.providers.forEach((provider, index) => {
      const endpoint = world.endpoints.find((e) => e.address === provider.address);
      const got = endpoint?.received.filter((r) => r.requestId === purchase.requestId);
      expect(got).toEqual([
        { requestId: purchase.requestId, index, bytes: Number(SLOT), matchesChain: true },
      ]);
    });
    const status = await purchasing.status(purchase.requestId);
    expect(status.onChain?.state).toBe("Started");
    expect(status.onChain?.filledSlots).toBe(6);
    expect(status.onChain?.slotStates).toEqual(Array(6).fill("Filled"));
    expect(status.timeLeft).toBeGreaterThan(3000);
    const retried = status.slots.find((s) => s.provider === flaky.address);
    expect(retried?.attempts).toBe(2);
    expect(events.some((e) => e.type === "purchase:slot-retry")).toBe(true);
    const lastBytes = events.filter((e) => e.type === "purchase:slot-bytes").map((e) => e.detail);
    for (let index = 0; index < 6; index++)
      expect(lastBytes.filter((d) => d.index === index).at(-1)).toMatchObject({
        sent: 262_144,
        total: 262_144,
      });

    // The request runs to its end; the node withdraws what the providers did not earn.
    await world.devnet.increaseTime(3_601);
    await until("the withdrawal", () => stateOf(purchase.requestId) === "withdrawn", 20_000);
    const done = await purchasing.status(purchase.requestId);
    expect(done.withdrawn).toBeTypeOf("bigint");
    expect((done.withdrawn ?? quote.escrow) < quote.escrow).toBe(true);
    expect(done.onChain?.withdrawn).toBe(true);
    expect(world.metadata.datasets.get(cid)?.heldForDeal).toBe(false);
  }, 60_000);

  it("cancels a request nobody fills by its expiry and withdraws the whole escrow", async () => {
    for (const endpoint of world.endpoints) endpoint.behaviour.fill = false;
    const cid = await world.storeDataset(randomData(300), 4, 2);
    const { purchase, quote } = await purchasing.buy({ cid, duration: 3600n, expirySeconds: 120 });
    await until("every slot pushed", () => purchasing.list()[0]?.slots.every((s) => s.pushed) === true);
    expect(stateOf(purchase.requestId)).toBe("uploading");
    const balance = await world.client.getBalance({ address: world.sender.address });

    await world.devnet.increaseTime(121);
    await until("the refund", () => stateOf(purchase.requestId) === "withdrawn");
    const record = purchasing.list().find((p) => p.requestId === purchase.requestId);
    expect(record?.withdrawn).toBe(quote.escrow);
    const after = await world.client.getBalance({ address: world.sender.address });
    // The escrow came back, less the withdraw transaction's gas.
    expect(after - balance).toBeGreaterThan(quote.escrow - 10n ** 16n);
    expect(after - balance).toBeLessThanOrEqual(quote.escrow);
    expect((await requestInfo(purchase.requestId)).withdrawn).toBe(true);
  }, 45_000);
});
