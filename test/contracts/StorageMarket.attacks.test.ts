/**
 * Attacks on the market: reentrant payees, proofs for slots or periods that are not the
 * prover's, griefing marks, a provider that fills and never proves, and reused ids.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { encodeErrorResult, encodeFunctionData, type Hex, parseEther, toHex } from "viem";
import {
  deployCairn,
  fillAll,
  now,
  registerProviders,
  sendRequest,
  sent,
  submitProofs,
} from "../helpers/cairn.ts";
import { endPeriod, enterPeriod, landNextTxAt, provablePeriod } from "../helpers/chain.ts";
import { TEST_MARKET_CONFIG } from "../helpers/config.ts";
import { EXAMPLE_MULTIADDRS, EXAMPLE_PEER_ID, exampleOffer, exampleRequest } from "../helpers/examples.ts";
import { guardUnhandledRejections } from "../helpers/guard.ts";
import { proofFor } from "../helpers/slots.ts";
import { at } from "../helpers/arrays.ts";

guardUnhandledRejections();

/** The selector of OpenZeppelin's `ReentrancyGuardReentrantCall()`. */
const REENTRANT_CALL = "0x3ee5aeb5";

describe("StorageMarket attacks", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;

  /**
   * Four registered providers and an attacker contract that is a registered provider too,
   * plus a client's 4-slot request (k = 2), not yet filled.
   */
  async function attackFixture() {
    const cairn = await deployCairn(connection);
    const attacker = await viem.deployContract("ReentrantReceiver");
    const register = encodeFunctionData({
      abi: cairn.registry.abi,
      functionName: "register",
      args: [exampleOffer(), EXAMPLE_PEER_ID, EXAMPLE_MULTIADDRS],
    });
    await attacker.write.execute([cairn.registry.address, register, parseEther("10")], {
      value: parseEther("10"),
    });
    await registerProviders(cairn, cairn.providers.slice(0, 4));
    const client = at(cairn.clients, 0);
    const example = exampleRequest({ now: await now(cairn), label: "attacks" });
    await sendRequest(cairn, client, example);
    return { ...cairn, attacker, client, request: sent(example, client) };
  }
  const load = () => networkHelpers.loadFixture(attackFixture);
  type Fixture = Awaited<ReturnType<typeof load>>;

  /** The attacker contract fills slot `index` of the fixture's request. */
  async function attackerFills(fixture: Fixture, index: number) {
    const { market, request, attacker } = fixture;
    const slotId = request.slotId(index);
    const { period, seed } = await provablePeriod(fixture);
    const fill = encodeFunctionData({
      abi: market.abi,
      functionName: "fillSlot",
      args: [
        slotId,
        at(request.example.request.slotRoots, index),
        proofFor(at(request.example.trees, index), slotId, period, seed),
      ],
    });
    await attacker.write.execute([market.address, fill, 0n]);
  }

  describe("a payee that reenters on every payout", () => {
    it("collects its payment once", async () => {
      const fixture = await load();
      const { market, request, attacker } = fixture;
      await attackerFills(fixture, 0);
      for (let i = 1; i < 4; i++) {
        const { period, seed } = await provablePeriod(fixture);
        const slotId = request.slotId(i);
        await market.write.fillSlot(
          [
            slotId,
            at(request.example.request.slotRoots, i),
            proofFor(at(request.example.trees, i), slotId, period, seed),
          ],
          { account: at(fixture.providers, i).account },
        );
      }
      const { endsAt } = await market.read.requestInfo([request.requestId]);
      await networkHelpers.time.increaseTo(endsAt);
      const [payment] = await market.read.collectable([request.slotId(0)]);
      const collect = encodeFunctionData({
        abi: market.abi,
        functionName: "collect",
        args: [request.slotId(0)],
      });
      await attacker.write.setReentry([market.address, collect]);
      await attacker.write.execute([market.address, collect, 0n]);
      assert.equal(await attacker.read.paymentsReceived(), payment);
      assert.equal(await attacker.read.reentryAttempts(), 1n);
      assert.equal(await attacker.read.reentrySuccesses(), 0n);
      assert.equal((await attacker.read.lastReentryError()).slice(0, 10), REENTRANT_CALL);
    });

    it("withdraws a client's refund once", async () => {
      const fixture = await load();
      const { market, attacker } = fixture;
      const example = exampleRequest({ now: await now(fixture), label: "reentrant-client" });
      const send = encodeFunctionData({
        abi: market.abi,
        functionName: "requestStorage",
        args: [example.request],
      });
      await attacker.write.execute([market.address, send, example.escrow], { value: example.escrow });
      const requestId = example.idFor(attacker.address);
      await networkHelpers.time.increaseTo(example.request.expiry + 1n);
      const withdraw = encodeFunctionData({ abi: market.abi, functionName: "withdraw", args: [requestId] });
      await attacker.write.setReentry([market.address, withdraw]);
      await attacker.write.execute([market.address, withdraw, 0n]);
      assert.equal(await attacker.read.paymentsReceived(), example.escrow);
      assert.equal(await attacker.read.reentrySuccesses(), 0n);
      assert.equal((await attacker.read.lastReentryError()).slice(0, 10), REENTRANT_CALL);
    });

    it("is paid its marking reward once", async () => {
      const fixture = await load();
      const { market, request, attacker } = fixture;
      await fillAll(fixture, request, fixture.providers.slice(0, 4));
      const { startPeriod } = await market.read.requestInfo([request.requestId]);
      await endPeriod(fixture, startPeriod + 1n);
      const mark = encodeFunctionData({
        abi: market.abi,
        functionName: "markProofAsMissing",
        args: [request.slotId(0), startPeriod + 1n],
      });
      // On its reward it tries to mark the same miss again.
      await attacker.write.setReentry([market.address, mark]);
      await attacker.write.execute([market.address, mark, 0n]);
      const collateral = request.example.request.collateralPerByte * request.example.request.slotSize;
      assert.equal(await attacker.read.paymentsReceived(), (collateral * 10n * 20n) / 10_000n);
      assert.equal(await attacker.read.reentrySuccesses(), 0n);
      // The reward is paid after every state change, so the reentry finds the miss marked.
      const marked = encodeErrorResult({
        abi: market.abi,
        errorName: "StorageMarketMissAlreadyMarked",
        args: [request.slotId(0), startPeriod + 1n],
      });
      assert.equal(await attacker.read.lastReentryError(), marked);
      assert.equal((await market.read.slotInfo([request.slotId(0)])).missedProofs, 1);
    });
  });

  describe("proofs that are not the prover's", () => {
    it("refuses a valid proof for another provider's slot", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const [owner, thief] = fixture.providers;
      assert.ok(owner && thief);
      await fillAll(fixture, request, fixture.providers.slice(0, 4));
      const { startPeriod } = await market.read.requestInfo([request.requestId]);
      await enterPeriod(fixture, startPeriod + 1n);
      // The thief has the data too (it holds the same bytes), yet only the host may prove.
      await viem.assertions.revertWithCustomErrorWithArgs(
        submitProofs(fixture, request, [0], thief),
        market,
        "StorageMarketNotSlotHost",
        [request.slotId(0), thief.account.address],
      );
      await submitProofs(fixture, request, [0], owner);
    });

    it("refuses a proof for another period, labelled or not", async () => {
      const fixture = await load();
      const { market, request } = fixture;
      const host = at(fixture.providers, 0);
      await fillAll(fixture, request, fixture.providers.slice(0, 4));
      const { startPeriod } = await market.read.requestInfo([request.requestId]);
      const oldSeed = await enterPeriod(fixture, startPeriod + 1n);
      const slotId = request.slotId(0);
      const tree = at(request.example.trees, 0);
      const stale = proofFor(tree, slotId, startPeriod + 1n, oldSeed);
      await enterPeriod(fixture, startPeriod + 2n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.submitProofs([[{ slotId, proof: stale }]], { account: host.account }),
        market,
        "StorageMarketWrongPeriod",
        [startPeriod + 1n, startPeriod + 2n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.submitProofs([[{ slotId, proof: { ...stale, period: startPeriod + 2n } }]], {
          account: host.account,
        }),
        market,
        "StorageMarketInvalidProof",
        [slotId],
      );
    });
  });

  describe("griefing marks against an honest host", () => {
    it("refuses to mark a submitted proof, a period with no proof due, or a mark outside the window", async () => {
      const fixture = await load();
      const { market, request, validator } = fixture;
      await fillAll(fixture, request, fixture.providers.slice(0, 4));
      const { startPeriod } = await market.read.requestInfo([request.requestId]);
      const mark = (p: bigint) =>
        market.write.markProofAsMissing([request.slotId(0), p], { account: validator.account });
      await endPeriod(fixture, startPeriod);
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(startPeriod),
        market,
        "StorageMarketProofNotRequired",
        [request.slotId(0), startPeriod],
      );
      const period = startPeriod + 1n;
      await enterPeriod(fixture, period);
      await submitProofs(fixture, request, [0], at(fixture.providers, 0));
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(period),
        market,
        "StorageMarketPeriodNotEnded",
        [period],
      );
      await endPeriod(fixture, period);
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(period),
        market,
        "StorageMarketProofNotMissing",
        [request.slotId(0), period],
      );
      await landNextTxAt(
        fixture,
        (period + 2n) * TEST_MARKET_CONFIG.periodBlocks + TEST_MARKET_CONFIG.markingWindow,
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        mark(period + 1n),
        market,
        "StorageMarketMarkingWindowClosed",
        [period + 1n],
      );
      assert.equal((await market.read.slotInfo([request.slotId(0)])).missedProofs, 0);
    });
  });

  it("strips a provider that fills every slot and never proves, and refunds the client", async () => {
    const fixture = await load();
    const { market, registry, request, validator, client } = fixture;
    const lazy = at(fixture.providers, 0);
    await fillAll(fixture, request, [lazy, lazy, lazy, lazy]);
    const terms = request.example.request;
    const collateral = terms.collateralPerByte * terms.slotSize;
    let { startPeriod: period } = await market.read.requestInfo([request.requestId]);
    while ((await market.read.requestInfo([request.requestId])).state === 2) {
      period += 1n;
      await endPeriod(fixture, period);
      for (let i = 0; i < 4; i++) {
        const slot = await market.read.slotInfo([request.slotId(i)]);
        if (slot.state !== 1) continue;
        if ((await market.read.requestInfo([request.requestId])).state !== 2) break;
        await market.write.markProofAsMissing([request.slotId(i), period], { account: validator.account });
      }
    }
    assert.equal((await market.read.requestInfo([request.requestId])).state, 4, "Failed");
    const info = await registry.read.providerInfo([lazy.account.address]);
    // Three slots were freed (all their collateral); the fourth is slashed twice and kept.
    const slashed = (collateral * 10n) / 100n;
    assert.equal(info.stake, parseEther("10") - 3n * collateral - 2n * slashed);
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.collect([request.slotId(0)], { account: lazy.account }),
      market,
      "StorageMarketNotSlotHost",
      [request.slotId(0), lazy.account.address],
    );
    const reward = (slashed * 20n) / 100n;
    const { clientPool } = await market.read.requestInfo([request.requestId]);
    assert.equal(clientPool, 3n * (collateral - 3n * reward) + 2n * (slashed - reward));
    // The fourth slot was still held at the failure: its host is paid up to it, as the spec says.
    await market.write.collect([request.slotId(3)], { account: lazy.account });
    await market.write.withdraw([request.requestId], { account: client.account });
    assert.equal(await fixture.publicClient.getBalance({ address: market.address }), 0n);
  });

  describe("reused ids", () => {
    it("refuses the same client's nonce twice, but not another client's", async () => {
      const fixture = await load();
      const { market, request, client } = fixture;
      const other = at(fixture.clients, 1);
      await viem.assertions.revertWithCustomErrorWithArgs(
        market.write.requestStorage([request.example.request], {
          account: client.account,
          value: request.example.escrow,
        }),
        market,
        "StorageMarketRequestExists",
        [request.requestId],
      );
      await market.write.requestStorage([request.example.request], {
        account: other.account,
        value: request.example.escrow,
      });
      const otherId = request.example.idFor(other.account.address);
      assert.notEqual(otherId, request.requestId);
      assert.equal(
        (await market.read.requestInfo([otherId])).client.toLowerCase(),
        other.account.address.toLowerCase(),
      );
      assert.equal(
        toHex(BigInt(request.requestId) & 0xffffn),
        "0x0",
        "request ids leave the slot index bits clear",
      );
    });

    it("keeps slot ids of different requests apart", async () => {
      const fixture = await load();
      const ids = new Set<Hex>();
      for (const client of fixture.clients) {
        const example = exampleRequest({ now: await now(fixture), label: "ids" });
        for (let i = 0; i < 4; i++) ids.add(example.slotIdFor(client.account.address, i));
      }
      assert.equal(ids.size, 8);
    });
  });
});
