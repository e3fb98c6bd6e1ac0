/**
 * Whole requests, from `requestStorage` to the last payout, checking that every wei the
 * market took in goes out to someone with a claim, and nothing more.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { type Hex, parseEther, toHex } from "viem";
import {
  deployCairn,
  fillAll,
  fillSlot,
  now,
  registerProviders,
  sendRequest,
  sent,
  submitProofs,
} from "../helpers/cairn.ts";
import { endPeriod, enterPeriod, nextTxPeriod } from "../helpers/chain.ts";
import { TEST_MARKET_CONFIG } from "../helpers/config.ts";
import { exampleRequest } from "../helpers/examples.ts";
import { guardUnhandledRejections } from "../helpers/guard.ts";
import { at } from "../helpers/arrays.ts";

guardUnhandledRejections();

describe("StorageMarket lifecycle", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();

  /** Seven registered providers and a client's 4-slot request (k = 2), not yet filled. */
  async function lifecycleFixture() {
    const cairn = await deployCairn(connection);
    await registerProviders(cairn, cairn.providers.slice(0, 7));
    const client = at(cairn.clients, 0);
    const example = exampleRequest({ now: await now(cairn), label: "lifecycle" });
    await sendRequest(cairn, client, example);
    return { ...cairn, client, request: sent(example, client) };
  }
  const load = () => networkHelpers.loadFixture(lifecycleFixture);

  const balanceOf = (address: Hex) => publicClient.getBalance({ address });

  /** Sends a transaction from `wallet` and returns the ether it received, net of gas. */
  async function received(wallet: WalletClient, send: () => Promise<Hex>): Promise<bigint> {
    const before = await balanceOf(wallet.account.address);
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await send() });
    const after = await balanceOf(wallet.account.address);
    return after - before + receipt.gasUsed * receipt.effectiveGasPrice;
  }

  it("runs: fill, prove, miss, free, repair, finish, collect, withdraw", async () => {
    const fixture = await load();
    const { market, registry, request, client, validator } = fixture;
    const [p0, p1, p2, p3, repairer] = fixture.providers;
    assert.ok(p0 && p1 && p2 && p3 && repairer);
    const terms = request.example.request;
    const rate = terms.pricePerBytePerSecond * terms.slotSize;
    const collateral = terms.collateralPerByte * terms.slotSize;

    // 1. Every slot filled: the request starts.
    await fillAll(fixture, request, [p0, p1, p2, p3]);
    let info = await market.read.requestInfo([request.requestId]);
    assert.equal(info.state, 2, "Started");

    // 2. Proofs over several periods; slot 3's host has stopped proving.
    let period = info.startPeriod + 1n;
    let rewards = 0n;
    for (let round = 0; round < 3; round++) {
      await enterPeriod(fixture, period);
      await submitProofs(fixture, request, [0], p0);
      await submitProofs(fixture, request, [1], p1);
      await submitProofs(fixture, request, [2], p2);
      // 3. A validator marks slot 3's miss once the period is over, and is paid for it.
      await endPeriod(fixture, period);
      rewards += await received(validator, () =>
        market.write.markProofAsMissing([request.slotId(3), period], { account: validator.account }),
      );
      period += 1n;
    }

    // 4. maxMissedProofs misses freed slot 3: its host lost all its collateral.
    const freed = await market.read.slotInfo([request.slotId(3)]);
    assert.equal(freed.state, 2, "Repair");
    const p3Info = await registry.read.providerInfo([p3.account.address]);
    assert.equal(p3Info.stake, parseEther("10") - collateral);
    assert.equal(p3Info.lockedCollateral, 0n);
    const slashed = (collateral * BigInt(TEST_MARKET_CONFIG.slashPercentage)) / 100n;
    const reward = (slashed * BigInt(TEST_MARKET_CONFIG.validatorRewardPercentage)) / 100n;
    assert.equal(rewards, 3n * reward, "the validator is paid in each of its marks");

    // 5. Another provider repairs it, locking less collateral.
    const repairCollateral =
      collateral - (collateral * BigInt(TEST_MARKET_CONFIG.repairRewardPercentage)) / 100n;
    await viem.assertions.emitWithArgs(fillSlot(fixture, request, 3, repairer), market, "SlotFilled", [
      request.slotId(3),
      repairer.account.address,
      repairCollateral,
      true,
    ]);
    assert.equal(
      (await registry.read.providerInfo([repairer.account.address])).lockedCollateral,
      repairCollateral,
    );
    await enterPeriod(fixture, (await nextTxPeriod(fixture)) + 1n);
    await submitProofs(fixture, request, [3], repairer);

    // 6. The request finishes. Each host collects its payment from its fill to the end.
    info = await market.read.requestInfo([request.requestId]);
    await networkHelpers.time.increaseTo(info.endsAt);
    let paidToHosts = 0n;
    for (const [index, host] of [p0, p1, p2, repairer].entries()) {
      const slot = await market.read.slotInfo([request.slotId(index)]);
      const payment = rate * BigInt(info.endsAt - slot.filledAt);
      const got = await received(host, () =>
        market.write.collect([request.slotId(index)], { account: host.account }),
      );
      assert.equal(got, payment, `host of slot ${index}`);
      paidToHosts += payment;
      assert.equal((await registry.read.providerInfo([host.account.address])).lockedCollateral, 0n);
    }

    // The client gets what the hosts did not earn, plus the slashed collateral.
    const clientPool = collateral - 3n * reward;
    const refund = await received(client, () =>
      market.write.withdraw([request.requestId], { account: client.account }),
    );
    assert.equal(refund, request.example.escrow - paidToHosts + clientPool);

    // Everything owed was paid: nothing is left behind, and the registry holds only stake.
    assert.equal(await balanceOf(market.address), 0n);
    const stakes = await Promise.all(
      [p0, p1, p2, p3, repairer].map(
        async (p) => (await registry.read.providerInfo([p.account.address])).stake,
      ),
    );
    const staked = stakes.reduce((a, b) => a + b, 0n) + 2n * parseEther("10");
    assert.equal(await balanceOf(registry.address), staked);
  });

  it("cancels at expiry: fillers get their collateral back, the client everything", async () => {
    const fixture = await load();
    const { market, registry, request, client } = fixture;
    const [p0, p1] = fixture.providers;
    assert.ok(p0 && p1);
    await fillSlot(fixture, request, 0, p0);
    await fillSlot(fixture, request, 1, p1);
    await networkHelpers.time.increaseTo(request.example.request.expiry + 1n);
    assert.equal((await market.read.requestInfo([request.requestId])).state, 5, "Cancelled");
    const collect = market.write.collect([request.slotId(0)], { account: p0.account });
    await viem.assertions.emitWithArgs(collect, market, "RequestCancelled", [request.requestId]);
    assert.equal(
      await received(p1, () => market.write.collect([request.slotId(1)], { account: p1.account })),
      0n,
    );
    for (const p of [p0, p1]) {
      assert.equal((await registry.read.providerInfo([p.account.address])).lockedCollateral, 0n);
    }
    const refund = await received(client, () =>
      market.write.withdraw([request.requestId], { account: client.account }),
    );
    assert.equal(refund, request.example.escrow);
    assert.equal(await balanceOf(market.address), 0n);
  });

  it("fails when more than n - k slots are free at once; the rest are paid to the failure", async () => {
    const fixture = await load();
    const { market, registry, request, client } = fixture;
    const hosts = fixture.providers.slice(0, 4);
    await fillAll(fixture, request, hosts);
    const terms = request.example.request;
    const rate = terms.pricePerBytePerSecond * terms.slotSize;
    const collateral = terms.collateralPerByte * terms.slotSize;
    // m = 2 slots may be lost: freeing two keeps the request running, the third fails it.
    await market.write.freeSlot([request.slotId(0)], { account: at(hosts, 0).account });
    await market.write.freeSlot([request.slotId(1)], { account: at(hosts, 1).account });
    assert.equal((await market.read.requestInfo([request.requestId])).state, 2, "Started");
    await networkHelpers.time.increase(1000);
    await viem.assertions.emitWithArgs(
      market.write.freeSlot([request.slotId(2)], { account: at(hosts, 2).account }),
      market,
      "RequestFailed",
      [request.requestId],
    );
    const info = await market.read.requestInfo([request.requestId]);
    assert.equal(info.state, 4, "Failed");
    const slot = await market.read.slotInfo([request.slotId(3)]);
    const payment = rate * BigInt(info.failedAt - slot.filledAt);
    assert.equal(
      await received(at(hosts, 3), () =>
        market.write.collect([request.slotId(3)], { account: at(hosts, 3).account }),
      ),
      payment,
    );
    assert.equal((await registry.read.providerInfo([at(hosts, 3).account.address])).lockedCollateral, 0n);
    const refund = await received(client, () =>
      market.write.withdraw([request.requestId], { account: client.account }),
    );
    assert.equal(refund, request.example.escrow - payment + 3n * collateral);
    assert.equal(await balanceOf(market.address), 0n);
  });

  it("spends the same gas per call however many requests exist", async () => {
    const fixture = await load();
    const { client } = fixture;
    const provider = at(fixture.providers, 0);
    /** Gas of a fresh request's first fill, the first fill of its period. */
    const fillGas = async (label: string) => {
      const example = exampleRequest({ now: await now(fixture), label });
      await sendRequest(fixture, client, example);
      await enterPeriod(fixture, (await nextTxPeriod(fixture)) + 1n);
      const hash = await fillSlot(fixture, sent(example, client), 0, provider);
      return (await publicClient.getTransactionReceipt({ hash })).gasUsed;
    };
    const first = await fillGas("gas-first");
    for (let i = 0; i < 10; i++) {
      const example = exampleRequest({ now: await now(fixture), label: `gas-filler-${i}` });
      await sendRequest(fixture, client, example);
    }
    const later = await fillGas("gas-later");
    // Only calldata bytes differ (ids and data); storage work is the same.
    assert.ok(later <= (first * 101n) / 100n, `fill gas grew from ${first} to ${later}`);
  });

  it("keeps the market's balance equal to what it owes at every step", async () => {
    const fixture = await load();
    const { market, request } = fixture;
    const owed = async () => {
      const info = await market.read.requestInfo([request.requestId]);
      return request.example.escrow + info.clientPool;
    };
    await fillAll(fixture, request, fixture.providers.slice(0, 4));
    assert.equal(await balanceOf(market.address), await owed());
    const period = (await market.read.requestInfo([request.requestId])).startPeriod + 1n;
    await endPeriod(fixture, period);
    await market.write.markProofAsMissing([request.slotId(1), period], {
      account: fixture.validator.account,
    });
    assert.equal(await balanceOf(market.address), await owed());
    await market.write.freeSlot([request.slotId(2)], { account: at(fixture.providers, 2).account });
    assert.equal(await balanceOf(market.address), await owed());
    assert.equal(toHex(await market.read.withdrawable([request.requestId])), "0x0");
  });
});
