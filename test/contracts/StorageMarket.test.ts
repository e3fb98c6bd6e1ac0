import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { encodeAbiParameters, getAddress, type Hex, keccak256, parseEther, toHex } from "viem";
import {
  type Cairn,
  deployCairn,
  fillAll,
  fillSlot,
  now,
  registerProviders,
  sendRequest,
  sent,
  submitProofs,
} from "../helpers/cairn.ts";
import { endPeriod, enterPeriod, landNextTxAt, nextTxPeriod, provablePeriod } from "../helpers/chain.ts";
import { TEST_MARKET_CONFIG } from "../helpers/config.ts";
import { exampleOffer, exampleRequest, type ExampleRequestOptions } from "../helpers/examples.ts";
import { guardUnhandledRejections } from "../helpers/guard.ts";
import { proofFor } from "../helpers/slots.ts";
import { at } from "../helpers/arrays.ts";

guardUnhandledRejections();

/** `IStorageMarket.RequestState` and `SlotState`, as the ABI returns them. */
const RequestState = { None: 0, New: 1, Started: 2, Finished: 3, Failed: 4, Cancelled: 5 } as const;
const SlotState = { Free: 0, Filled: 1, Repair: 2, Collected: 3 } as const;

describe("StorageMarket", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();

  /** Six registered providers and a client's 4-slot request, not yet filled. */
  async function marketFixture() {
    const cairn = await deployCairn(connection);
    await registerProviders(cairn, cairn.providers.slice(0, 6));
    const [client, otherClient] = cairn.clients;
    assert.ok(client && otherClient);
    const example = exampleRequest({ now: await now(cairn) });
    await sendRequest(cairn, client, example);
    return { ...cairn, client, otherClient, request: sent(example, client) };
  }
  const load = () => networkHelpers.loadFixture(marketFixture);
  const providersOf = (cairn: Cairn) => cairn.providers.slice(0, 4);

  /** Fills every slot and moves to the period after the start, where proofs are due. */
  async function started() {
    const fixture = await load();
    await fillAll(fixture, fixture.request, providersOf(fixture));
    const { startPeriod } = await fixture.market.read.requestInfo([fixture.request.requestId]);
    await enterPeriod(fixture, startPeriod + 1n);
    return fixture;
  }

  /** A second request from `otherClient` with `options`. */
  async function another(
    fixture: Awaited<ReturnType<typeof load>>,
    options: Partial<ExampleRequestOptions> = {},
  ) {
    const example = exampleRequest({ now: await now(fixture), label: "another", ...options });
    await sendRequest(fixture, fixture.otherClient, example);
    return sent(example, fixture.otherClient);
  }

  describe("constructor", () => {
    it("checks every config bound", async () => {
      const { registry, market } = await load();
      const c = TEST_MARKET_CONFIG;
      const invalid: [string, Partial<typeof c>][] = [
        ["periodBlocks", { periodBlocks: 3n }],
        ["periodBlocks", { periodBlocks: 256n }],
        ["markingWindow", { markingWindow: 0n }],
        ["markingWindow", { periodBlocks: 200n, markingWindow: 57n }],
        ["markingWindow", { periodBlocks: 4n, markingWindow: 249n }],
        ["proofSamples", { proofSamples: 0 }],
        ["proofSamples", { proofSamples: 65 }],
        ["cellSize", { cellSize: 16 }],
        ["cellSize", { cellSize: 300 }],
        ["cellSize", { cellSize: 524_288 }],
        ["slashPercentage", { slashPercentage: 0 }],
        ["slashPercentage", { maxMissedProofs: 0 }],
        ["slashPercentage", { slashPercentage: 40, maxMissedProofs: 3 }],
        ["validatorRewardPercentage", { validatorRewardPercentage: 101 }],
        ["repairRewardPercentage", { repairRewardPercentage: 100 }],
        ["maxDuration", { maxDuration: 0n }],
        ["maxDuration", { maxDuration: 2n ** 32n }],
        ["maxSlots", { maxSlots: 0 }],
        ["slotSize", { minSlotSize: 1024n }],
        ["slotSize", { minSlotSize: 262_145n }],
        ["slotSize", { maxSlotSize: 131_072n }],
        ["slotSize", { maxSlotSize: 262_144n * 3n + 1n }],
        ["slotSize", { maxSlotSize: 2n ** 41n }],
      ];
      for (const [field, override] of invalid) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          viem.deployContract("StorageMarket", [registry.address, { ...c, ...override }]),
          market,
          "StorageMarketInvalidConfig",
          [toHex(field, { size: 32 })],
        );
      }
    });

    it("exposes its config and registry", async () => {
      const { market, registry } = await load();
      assert.deepEqual(await market.read.config(), TEST_MARKET_CONFIG);
      assert.equal((await market.read.registry()).toLowerCase(), registry.address.toLowerCase());
    });

    it("accepts ether only from the registry", async () => {
      const { market, client } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(
        client.sendTransaction({ to: market.address, value: 1n }),
        market,
        "StorageMarketUnexpectedPayment",
        [client.account.address],
      );
    });
  });

  describe("requestStorage", () => {
    it("escrows exactly the worst case and records the request", async () => {
      const { market, request, client } = await load();
      const info = await market.read.requestInfo([request.requestId]);
      const { request: args, escrow } = request.example;
      assert.equal(info.client, getAddress(client.account.address));
      assert.equal(info.state, RequestState.New);
      assert.equal(info.slots, 4);
      assert.equal(info.dataSlots, 2);
      assert.equal(info.filledSlots, 0);
      assert.equal(BigInt(info.endsAt - info.duration) <= (await now(await load())), true);
      assert.equal(escrow, 4n * args.slotSize * args.pricePerBytePerSecond * args.duration);
      assert.equal(
        await market.read.requiredEscrow([4n, args.slotSize, args.pricePerBytePerSecond, args.duration]),
        escrow,
      );
      assert.equal(await publicClient.getBalance({ address: market.address }), escrow);
      const slot = await market.read.slotInfo([request.slotId(2)]);
      assert.equal(slot.root, args.slotRoots[2]);
      assert.equal(slot.state, SlotState.Free);
    });

    it("emits StorageRequested with the whole request", async () => {
      const fixture = await load();
      const example = exampleRequest({ now: await now(fixture), label: "emitted" });
      const time = (await networkHelpers.time.latest()) + 1;
      await networkHelpers.time.setNextBlockTimestamp(time);
      await viem.assertions.emitWithArgs(
        fixture.market.write.requestStorage([example.request], {
          account: fixture.otherClient.account,
          value: example.escrow,
        }),
        fixture.market,
        "StorageRequested",
        [
          example.idFor(fixture.otherClient.account.address),
          fixture.otherClient.account.address,
          (emitted: { slotRoots: readonly Hex[]; cid: Hex; nonce: Hex }) =>
            emitted.cid === example.request.cid &&
            emitted.nonce === example.request.nonce &&
            emitted.slotRoots.join() === example.request.slotRoots.join(),
          time + 86_400,
          example.escrow,
        ],
      );
    });

    it("stores keccak(root, provider) for a designated slot", async () => {
      const fixture = await load();
      const designee = at(fixture.providers, 5).account.address;
      const example = exampleRequest({
        now: await now(fixture),
        label: "designated",
        providers: [designee, "0x0000000000000000000000000000000000000000", designee, designee],
      });
      await sendRequest(fixture, fixture.otherClient, example);
      const request = sent(example, fixture.otherClient);
      const root = at(example.request.slotRoots, 0);
      const commitment = keccak256(
        encodeAbiParameters([{ type: "bytes32" }, { type: "address" }], [root, designee]),
      );
      assert.equal((await fixture.market.read.slotInfo([request.slotId(0)])).root, commitment);
      assert.equal(
        (await fixture.market.read.slotInfo([request.slotId(1)])).root,
        example.request.slotRoots[1],
      );
    });

    it("refuses every out-of-bounds field by name", async () => {
      const fixture = await load();
      const t = await now(fixture);
      const base = { now: t, label: "bounds" };
      const root = at(exampleRequest(base).request.slotRoots, 0);
      const cases: [string, Partial<ExampleRequestOptions>][] = [
        ["slotRoots", { slotRoots: [] }],
        ["slotRoots", { slotRoots: Array(17).fill(root) }],
        ["providers", { providers: [at(fixture.providers, 0).account.address] }],
        ["dataSlots", { dataSlots: 0 }],
        ["dataSlots", { dataSlots: 5 }],
        ["slotSize", { slotSize: 131_072n }],
        ["slotSize", { slotSize: 262_144n + 256n }],
        ["slotSize", { slotSize: 2n ** 30n + 262_144n }],
        ["duration", { duration: 0n }],
        ["duration", { duration: TEST_MARKET_CONFIG.maxDuration + 1n }],
        ["expiry", { expiry: t }],
        ["expiry", { expiry: t + 1n + 86_400n }],
        ["proofProbability", { proofProbability: 0 }],
        ["cid", { cid: "0x" }],
      ];
      for (const [field, override] of cases) {
        const example = exampleRequest({ ...base, ...override });
        await viem.assertions.revertWithCustomErrorWithArgs(
          fixture.market.write.requestStorage([example.request], {
            account: fixture.otherClient.account,
            value: example.escrow,
          }),
          fixture.market,
          "StorageMarketInvalidRequest",
          [toHex(field, { size: 32 })],
        );
      }
    });

    it("refuses an escrow that is not exact", async () => {
      const fixture = await load();
      const example = exampleRequest({ now: await now(fixture), label: "escrow" });
      for (const value of [example.escrow - 1n, example.escrow + 1n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          fixture.market.write.requestStorage([example.request], { account: fixture.client.account, value }),
          fixture.market,
          "StorageMarketWrongEscrow",
          [example.escrow, value],
        );
      }
    });

    it("refuses to reuse a request id", async () => {
      const { market, request, client } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.requestStorage([request.example.request], {
          account: client.account,
          value: request.example.escrow,
        }),
        market,
        "StorageMarketRequestExists",
        [request.requestId],
      );
    });
  });

  describe("fillSlot", () => {
    it("verifies the first proof, locks collateral and reserves the payment", async () => {
      const fixture = await load();
      const { market, registry, request } = fixture;
      const provider = at(fixture.providers, 0);
      const collateral = request.example.request.collateralPerByte * request.example.request.slotSize;
      const tx = fillSlot(fixture, request, 0, provider);
      await viem.assertions.emitWithArgs(tx, market, "SlotFilled", [
        request.slotId(0),
        provider.account.address,
        collateral,
        false,
      ]);
      const block = await publicClient.getBlock();
      const slot = await market.read.slotInfo([request.slotId(0)]);
      assert.equal(slot.host, getAddress(provider.account.address));
      assert.equal(slot.state, SlotState.Filled);
      assert.equal(BigInt(slot.filledAt), block.timestamp);
      assert.equal(slot.filledPeriod, block.number / TEST_MARKET_CONFIG.periodBlocks);
      assert.equal(slot.collateral, collateral);
      assert.equal(
        (await registry.read.providerInfo([provider.account.address])).lockedCollateral,
        collateral,
      );
      const info = await market.read.requestInfo([request.requestId]);
      const rate = request.example.request.pricePerBytePerSecond * request.example.request.slotSize;
      assert.equal(info.filledSlots, 1);
      assert.equal(info.reservedPayment, rate * (BigInt(info.endsAt) - block.timestamp));
    });

    it("starts the request at the last fill", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const providers = providersOf(fixture);
      for (let i = 0; i < 3; i++) await fillSlot(fixture, request, i, at(providers, i));
      const period = await nextTxPeriod(fixture);
      await viem.assertions.emitWithArgs(
        fillSlot(fixture, request, 3, at(providers, 3)),
        market,
        "RequestStarted",
        [request.requestId, period],
      );
      const info = await market.read.requestInfo([request.requestId]);
      assert.equal(info.state, RequestState.Started);
      assert.equal(info.startPeriod, period);
    });

    it("lets only the designated provider fill a designated slot, revealing its root", async () => {
      const fixture = await load();
      const designee = at(fixture.providers, 5);
      const request = await another(fixture, {
        providers: Array(4).fill(designee.account.address),
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(fixture, request, 0, at(fixture.providers, 0)),
        fixture.market,
        "StorageMarketNotDesignated",
        [request.slotId(0), at(fixture.providers, 0).account.address],
      );
      await fillSlot(fixture, request, 0, designee);
      assert.equal(
        (await fixture.market.read.slotInfo([request.slotId(0)])).root,
        request.example.request.slotRoots[0],
      );
    });

    it("refuses a root that is not the slot's", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const provider = at(fixture.providers, 0);
      const tree = at(request.example.trees, 0);
      const { period, seed } = await provablePeriod(fixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.fillSlot(
          [
            request.slotId(0),
            at(request.example.request.slotRoots, 1),
            proofFor(tree, request.slotId(0), period, seed),
          ],
          { account: provider.account },
        ),
        market,
        "StorageMarketNotDesignated",
        [request.slotId(0), provider.account.address],
      );
    });

    it("refuses unknown requests and slots, and slots that are taken", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const provider = at(fixture.providers, 0);
      const unknown = sent(
        exampleRequest({ now: await now(fixture), label: "unknown" }),
        fixture.otherClient,
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(fixture, unknown, 0, provider),
        market,
        "StorageMarketUnknownRequest",
        [unknown.requestId],
      );
      const fiveSlots = { ...request, slotId: (i: number) => request.slotId(i) };
      fiveSlots.example = {
        ...request.example,
        trees: [...request.example.trees, at(request.example.trees, 0)],
      };
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(fixture, fiveSlots, 4, provider),
        market,
        "StorageMarketUnknownSlot",
        [request.slotId(4)],
      );
      await fillSlot(fixture, request, 0, provider);
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(fixture, request, 0, at(fixture.providers, 1)),
        market,
        "StorageMarketSlotNotFree",
        [request.slotId(0)],
      );
    });

    it("refuses fills after expiry, after the end and after failure", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const provider = at(fixture.providers, 4);
      await networkHelpers.time.increase(3601);
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(fixture, request, 0, provider),
        market,
        "StorageMarketRequestNotActive",
        [request.requestId, RequestState.Cancelled],
      );
      const running = await started();
      // Three of four slots freed with k = 2: failed, and the freed slots stay unfilled.
      for (const i of [0, 1, 2]) {
        await running.market.write.freeSlot([running.request.slotId(i)], {
          account: at(running.providers, i).account,
        });
      }
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(running, running.request, 0, provider),
        running.market,
        "StorageMarketRequestNotActive",
        [running.request.requestId, RequestState.Failed],
      );
      const ended = await started();
      await networkHelpers.time.increaseTo(
        (await ended.market.read.requestInfo([ended.request.requestId])).endsAt,
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(ended, ended.request, 0, provider),
        ended.market,
        "StorageMarketRequestNotActive",
        [ended.request.requestId, RequestState.Finished],
      );
    });

    it("refuses a proof for another period, an invalid proof, and a proof in the period's first block", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const provider = at(fixture.providers, 0);
      const tree = at(request.example.trees, 0);
      const slotId = request.slotId(0);
      const root = at(request.example.request.slotRoots, 0);
      const { period, seed } = await provablePeriod(fixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.fillSlot([slotId, root, proofFor(tree, slotId, period - 1n, seed)], {
          account: provider.account,
        }),
        market,
        "StorageMarketWrongPeriod",
        [period - 1n, period],
      );
      const { period: p2, seed: s2 } = await provablePeriod(fixture);
      const proof = proofFor(tree, slotId, p2, s2);
      const tampered = { ...proof, cells: `${proof.cells.slice(0, -2)}00` as Hex };
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.fillSlot([slotId, root, tampered], { account: provider.account }),
        market,
        "StorageMarketInvalidProof",
        [slotId],
      );
      const next = (await nextTxPeriod(fixture)) + 1n;
      await landNextTxAt(fixture, next * TEST_MARKET_CONFIG.periodBlocks);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.fillSlot([slotId, root, { ...proof, period: next }], { account: provider.account }),
        market,
        "StorageMarketSeedUnavailable",
        [next],
      );
    });

    it("refuses a provider whose offer rejects the terms, or that the registry refuses", async () => {
      const fixture = await load();
      const { market, registry, request } = fixture;
      const provider = at(fixture.providers, 0);
      const terms = request.example.request;
      for (const offer of [
        exampleOffer({ pricePerBytePerSecond: terms.pricePerBytePerSecond + 1n }),
        exampleOffer({ maxCollateralPerByte: terms.collateralPerByte - 1n }),
        exampleOffer({ minDuration: terms.duration + 1n, maxDuration: terms.duration + 2n }),
        exampleOffer({ maxDuration: terms.duration - 1n }),
        exampleOffer({ capacity: terms.slotSize - 1n }),
      ]) {
        await registry.write.updateOffer([offer], { account: provider.account });
        await viem.assertions.revertWithCustomErrorWithArgs(
          fillSlot(fixture, request, 0, provider),
          market,
          "StorageMarketOfferRejectsTerms",
          [provider.account.address],
        );
      }
      const stranger = fixture.deployer;
      await viem.assertions.revertWithCustomErrorWithArgs(
        fillSlot(fixture, request, 0, stranger),
        registry,
        "ProviderRegistryNotRegistered",
        [stranger.account.address],
      );
    });
  });

  describe("submitProofs", () => {
    it("accepts one provider's proofs for several slots and records the seed once", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const provider = at(fixture.providers, 0);
      for (let i = 0; i < 4; i++) await fillSlot(fixture, request, i, provider);
      const { startPeriod } = await market.read.requestInfo([request.requestId]);
      const seed = await enterPeriod(fixture, startPeriod + 1n);
      const tx = submitProofs(fixture, request, [0, 1, 2, 3], provider);
      await viem.assertions.emitWithArgs(tx, market, "SeedRecorded", [startPeriod + 1n, seed]);
      const receipt = await publicClient.getTransactionReceipt({ hash: await tx });
      const proofEvents = receipt.logs.filter(
        (log) => log.topics[0] === keccak256(toHex("ProofSubmitted(bytes32,uint64)")),
      );
      assert.equal(proofEvents.length, 4);
      assert.equal(await market.read.seedOf([startPeriod + 1n]), seed);
    });

    it("emits ProofSubmitted", async () => {
      const fixture = await started();
      const period = await nextTxPeriod(fixture);
      await viem.assertions.emitWithArgs(
        submitProofs(fixture, fixture.request, [1], at(fixture.providers, 1)),
        fixture.market,
        "ProofSubmitted",
        [fixture.request.slotId(1), period],
      );
    });

    it("refuses proofs before the start, from non-hosts, twice, and when none is due", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const [p0, p1] = providersOf(fixture);
      assert.ok(p0 && p1);
      await fillSlot(fixture, request, 0, p0);
      await viem.assertions.revertWithCustomErrorWithArgs(
        submitProofs(fixture, request, [0], p0),
        market,
        "StorageMarketRequestNotStarted",
        [request.requestId, RequestState.New],
      );
      for (let i = 1; i < 4; i++) await fillSlot(fixture, request, i, at(providersOf(fixture), i));
      // The start period is covered by the fills.
      await viem.assertions.revertWithCustomErrorWithArgs(
        submitProofs(fixture, request, [0], p0),
        market,
        "StorageMarketProofNotRequired",
        [request.slotId(0), await nextTxPeriod(fixture)],
      );
      const { startPeriod } = await market.read.requestInfo([request.requestId]);
      await enterPeriod(fixture, startPeriod + 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        submitProofs(fixture, request, [0], p1),
        market,
        "StorageMarketNotSlotHost",
        [request.slotId(0), p1.account.address],
      );
      await submitProofs(fixture, request, [0], p0);
      await viem.assertions.revertWithCustomErrorWithArgs(
        submitProofs(fixture, request, [0], p0),
        market,
        "StorageMarketProofAlreadySubmitted",
        [request.slotId(0), startPeriod + 1n],
      );
    });

    it("refuses a proof when the slot's probability does not select it", async () => {
      const fixture = await load();
      const request = await another(fixture, { proofProbability: 65_535 });
      await fillAll(fixture, request, providersOf(fixture));
      const { startPeriod } = await fixture.market.read.requestInfo([request.requestId]);
      await enterPeriod(fixture, startPeriod + 1n);
      await networkHelpers.mine(1); // a call runs at the latest block, where the seed must be readable
      assert.equal(await fixture.market.read.isProofRequired([request.slotId(0), startPeriod + 1n]), false);
      await viem.assertions.revertWithCustomErrorWithArgs(
        submitProofs(fixture, request, [0], at(fixture.providers, 0)),
        fixture.market,
        "StorageMarketProofNotRequired",
        [request.slotId(0), startPeriod + 1n],
      );
    });

    it("refuses a wrong period and an invalid proof", async () => {
      const fixture = await started();
      const { market, request } = fixture;
      const provider = at(fixture.providers, 0);
      const slotId = request.slotId(0);
      const { period, seed } = await provablePeriod(fixture);
      const proof = proofFor(at(request.example.trees, 0), slotId, period, seed);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.submitProofs([[{ slotId, proof: { ...proof, period: period + 1n } }]], {
          account: provider.account,
        }),
        market,
        "StorageMarketWrongPeriod",
        [period + 1n, period],
      );
      const otherTree = at(request.example.trees, 1);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.submitProofs([[{ slotId, proof: proofFor(otherTree, slotId, period, seed) }]], {
          account: provider.account,
        }),
        market,
        "StorageMarketInvalidProof",
        [slotId],
      );
    });
  });

  describe("markProofAsMissing", () => {
    /** Started, the first due period ended without proofs; marks land in its window. */
    async function missed() {
      const fixture = await started();
      const period = await nextTxPeriod(fixture);
      await endPeriod(fixture, period);
      return { ...fixture, period };
    }

    it("slashes the host, rewards the marker and credits the client", async () => {
      const fixture = await missed();
      const { market, registry, request, validator, period } = fixture;
      const host = at(fixture.providers, 0).account.address;
      const collateral = request.example.request.collateralPerByte * request.example.request.slotSize;
      const slashed = (collateral * 10n) / 100n;
      const reward = (slashed * 20n) / 100n;
      const tx = market.write.markProofAsMissing([request.slotId(0), period], { account: validator.account });
      await viem.assertions.balancesHaveChanged(tx, [
        { address: validator.account.address, amount: reward },
        { address: market.address, amount: slashed - reward },
        { address: registry.address, amount: -slashed },
      ]);
      await viem.assertions.emitWithArgs(Promise.resolve(await tx), market, "ProofMissed", [
        request.slotId(0),
        period,
        validator.account.address,
        slashed,
        reward,
      ]);
      assert.equal((await market.read.requestInfo([request.requestId])).clientPool, slashed - reward);
      const info = await registry.read.providerInfo([host]);
      assert.equal(info.lockedCollateral, collateral - slashed);
      assert.equal(info.stake, parseEther("10") - slashed);
      const slot = await market.read.slotInfo([request.slotId(0)]);
      assert.equal(slot.missedProofs, 1);
      assert.equal(slot.collateral, collateral - slashed);
      assert.equal(
        await publicClient.getBalance({ address: market.address }),
        request.example.escrow + slashed - reward,
      );
    });

    it("frees the slot at maxMissedProofs, forfeiting the rest of the collateral", async () => {
      const fixture = await missed();
      const { market, request, validator } = fixture;
      const collateral = request.example.request.collateralPerByte * request.example.request.slotSize;
      const slashed = (collateral * 10n) / 100n;
      let period = fixture.period;
      for (let miss = 1; miss <= 3; miss++) {
        const tx = market.write.markProofAsMissing([request.slotId(0), period], {
          account: validator.account,
        });
        if (miss === 3) {
          await viem.assertions.emitWithArgs(tx, market, "SlotFreed", [
            request.slotId(0),
            at(fixture.providers, 0).account.address,
            collateral - 3n * slashed,
          ]);
        } else await tx;
        period += 1n;
        await endPeriod(fixture, period);
      }
      const slot = await market.read.slotInfo([request.slotId(0)]);
      assert.equal(slot.state, SlotState.Repair);
      const info = await market.read.requestInfo([request.requestId]);
      assert.equal(info.filledSlots, 3);
      assert.equal(info.clientPool, collateral - 3n * ((slashed * 20n) / 100n));
    });

    it("refuses a period that has not ended or whose window closed", async () => {
      const fixture = await started();
      const { market, request, validator } = fixture;
      const period = await nextTxPeriod(fixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.markProofAsMissing([request.slotId(0), period], { account: validator.account }),
        market,
        "StorageMarketPeriodNotEnded",
        [period],
      );
      await landNextTxAt(
        fixture,
        (period + 1n) * TEST_MARKET_CONFIG.periodBlocks + TEST_MARKET_CONFIG.markingWindow,
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.markProofAsMissing([request.slotId(0), period], { account: validator.account }),
        market,
        "StorageMarketMarkingWindowClosed",
        [period],
      );
    });

    it("refuses proven periods, marked misses, periods with no proof due", async () => {
      const fixture = await started();
      const { market, request, validator } = fixture;
      const period = await nextTxPeriod(fixture);
      await submitProofs(fixture, request, [0], at(fixture.providers, 0));
      await endPeriod(fixture, period);
      const mark = (index: number, p: bigint) =>
        market.write.markProofAsMissing([request.slotId(index), p], { account: validator.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(0, period),
        market,
        "StorageMarketProofNotMissing",
        [request.slotId(0), period],
      );
      await mark(1, period);
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(1, period),
        market,
        "StorageMarketMissAlreadyMarked",
        [request.slotId(1), period],
      );
    });

    it("refuses a period in which the slot owed nothing", async () => {
      const fixture = await load();
      const request = await another(fixture, { proofProbability: 65_535 });
      await fillAll(fixture, request, providersOf(fixture));
      const { startPeriod } = await fixture.market.read.requestInfo([request.requestId]);
      const mark = (p: bigint) =>
        fixture.market.write.markProofAsMissing([request.slotId(2), p], {
          account: fixture.validator.account,
        });
      await endPeriod(fixture, startPeriod);
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(startPeriod),
        fixture.market,
        "StorageMarketProofNotRequired",
        [request.slotId(2), startPeriod],
      );
      await endPeriod(fixture, startPeriod + 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(startPeriod + 1n),
        fixture.market,
        "StorageMarketProofNotRequired",
        [request.slotId(2), startPeriod + 1n],
      );
    });

    it("refuses slots without a host and requests not running", async () => {
      const fixture = await load();
      const { market, request, validator } = fixture;
      await fillSlot(fixture, request, 0, at(fixture.providers, 0));
      const period = await nextTxPeriod(fixture);
      await endPeriod(fixture, period);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.markProofAsMissing([request.slotId(0), period], { account: validator.account }),
        market,
        "StorageMarketRequestNotStarted",
        [request.requestId, RequestState.New],
      );
      const fresh = await started();
      await fresh.market.write.freeSlot([fresh.request.slotId(0)], {
        account: at(fresh.providers, 0).account,
      });
      const p = await nextTxPeriod(fresh);
      await endPeriod(fresh, p);
      await viem.assertions.revertWithCustomErrorWithArgs(
        fresh.market.write.markProofAsMissing([fresh.request.slotId(0), p], {
          account: fresh.validator.account,
        }),
        fresh.market,
        "StorageMarketSlotNotFilled",
        [fresh.request.slotId(0)],
      );
    });
  });

  describe("freeSlot", () => {
    it("lets the host leave, forfeiting its collateral to the client", async () => {
      const fixture = await started();
      const { market, registry, request } = fixture;
      const host = at(fixture.providers, 2);
      const collateral = request.example.request.collateralPerByte * request.example.request.slotSize;
      await viem.assertions.emitWithArgs(
        market.write.freeSlot([request.slotId(2)], { account: host.account }),
        market,
        "SlotFreed",
        [request.slotId(2), host.account.address, collateral],
      );
      assert.equal((await market.read.requestInfo([request.requestId])).clientPool, collateral);
      const info = await registry.read.providerInfo([host.account.address]);
      assert.equal(info.lockedCollateral, 0n);
      assert.equal(info.stake, parseEther("10") - collateral);
    });

    it("frees a slot whose request asked no collateral without slashing", async () => {
      const fixture = await load();
      const request = await another(fixture, { collateralPerByte: 0n });
      await fillAll(fixture, request, providersOf(fixture));
      const host = at(fixture.providers, 1);
      const hash = await fixture.market.write.freeSlot([request.slotId(1)], { account: host.account });
      await viem.assertions.emitWithArgs(Promise.resolve(hash), fixture.market, "SlotFreed", [
        request.slotId(1),
        host.account.address,
        0n,
      ]);
      const receipt = await publicClient.getTransactionReceipt({ hash });
      const slashed = keccak256(toHex("ProviderSlashed(address,uint256,uint256,address[],uint256[])"));
      assert.equal(receipt.logs.filter((log) => log.topics[0] === slashed).length, 0, "no slash of nothing");
    });

    it("refuses non-hosts and requests not running", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      await fillSlot(fixture, request, 0, at(fixture.providers, 0));
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.freeSlot([request.slotId(0)], { account: at(fixture.providers, 0).account }),
        market,
        "StorageMarketRequestNotStarted",
        [request.requestId, RequestState.New],
      );
      const fresh = await started();
      await viem.assertions.revertWithCustomErrorWithArgs(
        fresh.market.write.freeSlot([fresh.request.slotId(0)], { account: at(fresh.providers, 1).account }),
        fresh.market,
        "StorageMarketNotSlotHost",
        [fresh.request.slotId(0), at(fresh.providers, 1).account.address],
      );
    });
  });

  describe("collect and withdraw", () => {
    async function finished() {
      const fixture = await started();
      const info = await fixture.market.read.requestInfo([fixture.request.requestId]);
      await networkHelpers.time.increaseTo(info.endsAt);
      return { ...fixture, info };
    }

    it("pays a host from its fill to the end and unlocks its collateral", async () => {
      const fixture = await finished();
      const { market, registry, request, info } = fixture;
      const host = at(fixture.providers, 0);
      const slot = await market.read.slotInfo([request.slotId(0)]);
      const payment =
        request.example.request.pricePerBytePerSecond *
        request.example.request.slotSize *
        BigInt(info.endsAt - slot.filledAt);
      assert.deepEqual(await market.read.collectable([request.slotId(0)]), [payment, slot.collateral]);
      const tx = market.write.collect([request.slotId(0)], { account: host.account });
      await viem.assertions.balancesHaveChanged(tx, [
        { address: host.account.address, amount: payment },
        { address: market.address, amount: -payment },
      ]);
      await viem.assertions.emitWithArgs(Promise.resolve(await tx), market, "PaymentCollected", [
        request.slotId(0),
        host.account.address,
        payment,
        slot.collateral,
      ]);
      assert.equal((await registry.read.providerInfo([host.account.address])).lockedCollateral, 0n);
      assert.equal((await market.read.slotInfo([request.slotId(0)])).state, SlotState.Collected);
    });

    it("announces the end once, at the first payout", async () => {
      const fixture = await finished();
      const { market, request } = fixture;
      await viem.assertions.emitWithArgs(
        market.write.collect([request.slotId(0)], { account: at(fixture.providers, 0).account }),
        market,
        "RequestFinished",
        [request.requestId],
      );
      const hash = await market.write.collect([request.slotId(1)], {
        account: at(fixture.providers, 1).account,
      });
      const receipt = await publicClient.getTransactionReceipt({ hash });
      const finishedTopic = keccak256(toHex("RequestFinished(bytes32)"));
      assert.equal(receipt.logs.filter((log) => log.topics[0] === finishedTopic).length, 0);
    });

    it("refuses to pay twice, to non-hosts, and before the end", async () => {
      const fixture = await started();
      const { market, request } = fixture;
      const host = at(fixture.providers, 0);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.collect([request.slotId(0)], { account: host.account }),
        market,
        "StorageMarketRequestNotEnded",
        [request.requestId, RequestState.Started],
      );
      assert.deepEqual(await market.read.collectable([request.slotId(0)]), [0n, 0n]);
      const { endsAt } = await market.read.requestInfo([request.requestId]);
      await networkHelpers.time.increaseTo(endsAt);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.collect([request.slotId(0)], { account: at(fixture.providers, 1).account }),
        market,
        "StorageMarketNotSlotHost",
        [request.slotId(0), at(fixture.providers, 1).account.address],
      );
      await market.write.collect([request.slotId(0)], { account: host.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.collect([request.slotId(0)], { account: host.account }),
        market,
        "StorageMarketNotSlotHost",
        [request.slotId(0), host.account.address],
      );
    });

    it("pays the client what the hosts did not earn", async () => {
      const fixture = await finished();
      const { market, request, client, info } = fixture;
      const amount = request.example.escrow - info.reservedPayment;
      assert.equal(await market.read.withdrawable([request.requestId]), amount);
      const tx = market.write.withdraw([request.requestId], { account: client.account });
      await viem.assertions.emitWithArgs(tx, market, "FundsWithdrawn", [
        request.requestId,
        client.account.address,
        amount,
      ]);
      assert.equal(await market.read.withdrawable([request.requestId]), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.withdraw([request.requestId], { account: client.account }),
        market,
        "StorageMarketAlreadyWithdrawn",
        [request.requestId],
      );
    });

    it("refuses a client withdrawal by others or before the end", async () => {
      const fixture = await started();
      const { market, request, client, otherClient } = fixture;
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.withdraw([request.requestId], { account: otherClient.account }),
        market,
        "StorageMarketNotClient",
        [request.requestId, otherClient.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.withdraw([request.requestId], { account: client.account }),
        market,
        "StorageMarketRequestNotEnded",
        [request.requestId, RequestState.Started],
      );
      assert.equal(await market.read.withdrawable([request.requestId]), 0n);
    });
  });

  describe("seeds and views", () => {
    it("records a readable seed once and refuses an unreadable one", async () => {
      const fixture = await load();
      const { market } = fixture;
      const period = await nextTxPeriod(fixture);
      const seed = await enterPeriod(fixture, period + 1n);
      await viem.assertions.emitWithArgs(market.write.recordSeed([period + 1n]), market, "SeedRecorded", [
        period + 1n,
        seed,
      ]);
      const hash = await market.write.recordSeed([period + 1n]);
      const receipt = await publicClient.getTransactionReceipt({ hash });
      assert.equal(receipt.logs.length, 0, "a second record emits nothing");
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.recordSeed([period + 5n]),
        market,
        "StorageMarketSeedUnavailable",
        [period + 5n],
      );
      assert.equal(await market.read.seedOf([period + 5n]), `0x${"0".repeat(64)}`);
      await networkHelpers.mine(300);
      assert.equal(
        await market.read.seedOf([period + 1n]),
        seed,
        "a recorded seed outlives the block-hash horizon",
      );
    });

    it("says whether a running slot owes a proof, from a recorded or a readable seed", async () => {
      const fixture = await started();
      const { market, request } = fixture;
      const period = await nextTxPeriod(fixture);
      await networkHelpers.mine(1); // a call runs at the latest block, where the seed must be readable
      assert.equal(await market.read.isProofRequired([request.slotId(0), period]), true, "readable seed");
      await submitProofs(fixture, request, [1], at(fixture.providers, 1)); // records the seed
      await networkHelpers.mine(300); // past the block-hash horizon
      assert.equal(await market.read.isProofRequired([request.slotId(0), period]), true, "recorded seed");
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.read.isProofRequired([request.slotId(0), period + 100n]),
        market,
        "StorageMarketSeedUnavailable",
        [period + 100n],
      );
    });

    it("reports the current period and whether proofs are due", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const block = await publicClient.getBlockNumber();
      assert.equal(await market.read.currentPeriod(), block / TEST_MARKET_CONFIG.periodBlocks);
      assert.equal(await market.read.isProofRequired([request.slotId(0), 0n]), false, "not started");
      assert.equal((await market.read.requestInfo([`0x${"0".repeat(64)}`])).state, RequestState.None);
    });
  });
});
