/**
 * The compiled mappings (build/) run in the Node host over the real logs of a Hardhat
 * scenario (test/scenario.ts); the entities they write are checked field by field.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { network } from "hardhat";
import type { PublicClient } from "viem";
import { openSubgraph } from "../runner/open.ts";
import { syncToHead } from "../runner/sync.ts";
import type { Entity } from "../runner/values.ts";
import { runScenario, type Scenario } from "./scenario.ts";
import { TEST_MARKET_CONFIG } from "../../test/helpers/config.ts";

const lower = (hex: string) => hex.toLowerCase();

function field(entity: Entity | undefined, name: string): unknown {
  assert.ok(entity !== undefined, `no entity for field ${name}`);
  const value = entity[name];
  if (value === undefined || value.kind === "Null") return null;
  if (value.kind === "Array") return value.value.map((item) => ("value" in item ? item.value : null));
  return value.value;
}

describe("mappings over a Hardhat scenario", () => {
  let scenario: Scenario;
  let subgraph: ReturnType<typeof openSubgraph>;

  before(async () => {
    const connection = await network.create();
    scenario = await runScenario(connection);
    subgraph = openSubgraph({ deployment: scenario.deployment, dbPath: ":memory:" });
    await syncToHead(subgraph.runner, scenario.cairn.publicClient as unknown as PublicClient);
  });

  const get = (type: string, id: string) => subgraph.store.get(type, lower(id));

  it("indexes providers with their offer, endpoints and stake", () => {
    const [p0, p1, p2, p3] = scenario.hosts.map((h) => lower(h.account.address));
    const { stake, addedStake, withdrawn } = scenario.facts;
    const provider0 = get("Provider", p0 as string);
    assert.equal(field(provider0, "registered"), true);
    assert.equal(field(provider0, "stake"), stake + addedStake);
    assert.equal(field(provider0, "capacity"), 2n ** 41n);
    assert.equal(field(provider0, "region"), "eu-west");
    assert.equal(field(provider0, "infrastructure"), "bare-metal");
    assert.equal(field(provider0, "lockedCollateral"), 0n, "collateral unlocked at collect");
    assert.equal(field(provider0, "slotsFilled"), 2, "the main request's slot 0 and the failed one's slot 3");
    assert.equal(field(provider0, "proofsSubmitted"), 3);
    assert.ok((field(provider0, "totalCollected") as bigint) > 0n);

    const provider1 = get("Provider", p1 as string);
    assert.equal(field(provider1, "peerId"), "0x0102");
    assert.deepEqual(field(provider1, "multiaddrs"), ["/dns4/p1.example/tcp/4001"]);
    assert.equal(field(get("Provider", p2 as string), "paused"), false);

    const terms = scenario.request.example.request;
    const collateral = terms.collateralPerByte * terms.slotSize;
    const provider3 = get("Provider", p3 as string);
    assert.equal(field(provider3, "stake"), stake - collateral, "slashed of its whole collateral");
    assert.equal(field(provider3, "totalSlashed"), collateral);
    assert.equal(field(provider3, "proofsMissed"), scenario.facts.misses);
    assert.equal(field(provider3, "slotsFreed"), 1);

    const repairer = get("Provider", scenario.repairer.account.address);
    assert.equal(
      field(repairer, "stake"),
      stake - withdrawn - collateral,
      "forfeited a freed slot's collateral",
    );
    assert.equal(field(repairer, "slotsFreed"), 1);
    assert.equal(field(repairer, "exitAmount"), 0n);
    assert.equal(field(repairer, "totalWithdrawn"), withdrawn);
  });

  it("indexes the request and its slots through miss, repair and payout", () => {
    const { request } = scenario;
    const entity = get("StorageRequest", request.requestId);
    assert.equal(field(entity, "state"), "Finished");
    assert.equal(field(entity, "client"), lower(request.client));
    assert.equal(field(entity, "slotCount"), 4);
    assert.equal(field(entity, "dataSlots"), 2);
    assert.equal(field(entity, "escrow"), request.example.escrow);
    assert.equal(field(entity, "withdrawn"), true);
    assert.ok((field(entity, "withdrawnAmount") as bigint) > 0n);
    assert.equal(field(entity, "filledSlots"), 4);
    assert.notEqual(field(entity, "startPeriod"), null);

    const repaired = get("Slot", request.slotId(3));
    assert.equal(field(repaired, "state"), "Collected");
    assert.equal(field(repaired, "host"), lower(scenario.repairer.account.address));
    assert.equal(field(repaired, "repaired"), true);
    assert.equal(field(repaired, "index"), 3);
    assert.equal(field(repaired, "request"), lower(request.requestId));
    assert.equal(field(repaired, "proofCount"), 1);
    assert.ok((field(repaired, "payment") as bigint) > 0n);
    for (let i = 0; i < 3; i++) {
      const slot = get("Slot", request.slotId(i));
      assert.equal(field(slot, "state"), "Collected");
      assert.equal(field(slot, "proofCount"), 3);
      assert.equal(field(slot, "host"), lower(scenario.hosts[i]?.account.address ?? ""));
    }
  });

  it("records proofs, misses and slashes as immutable event entities", () => {
    const proofs = subgraph.store.all("ProofSubmission");
    assert.equal(proofs.length, scenario.facts.proofs);
    const missed = subgraph.store.all("MissedProof");
    assert.equal(missed.length, scenario.facts.misses);
    const terms = scenario.request.example.request;
    const collateral = terms.collateralPerByte * terms.slotSize;
    const slashed = (collateral * BigInt(TEST_MARKET_CONFIG.slashPercentage)) / 100n;
    for (const miss of missed) {
      assert.equal(field(miss, "slashed"), slashed);
      assert.equal(
        field(miss, "reward"),
        (slashed * BigInt(TEST_MARKET_CONFIG.validatorRewardPercentage)) / 100n,
      );
      assert.equal(field(miss, "validator"), lower(scenario.cairn.validator.account.address));
      assert.equal(field(miss, "provider"), lower(scenario.hosts[3]?.account.address ?? ""));
      // id: transaction hash + log index (4 bytes, big-endian).
      assert.match(field(miss, "id") as string, /^0x[0-9a-f]{72}$/);
    }
    const p3 = lower(scenario.hosts[3]?.account.address ?? "");
    const slashes = subgraph.store.all("Slash").filter((slash) => field(slash, "provider") === p3);
    assert.equal(slashes.length, scenario.facts.misses);
    const total = slashes.reduce((sum, s) => sum + (field(s, "amount") as bigint), 0n);
    assert.equal(total, collateral);
    assert.deepEqual(field(slashes[0], "recipients"), [lower(scenario.cairn.market.address)]);
  });

  it("indexes a cancelled and a failed request", () => {
    const cancelled = get("StorageRequest", scenario.cancelled.requestId);
    assert.equal(field(cancelled, "state"), "Cancelled");
    assert.equal(field(cancelled, "endedAt"), scenario.cancelled.example.request.expiry);
    assert.equal(field(cancelled, "withdrawnAmount"), scenario.cancelled.example.escrow, "all escrow back");
    assert.equal(field(get("Slot", scenario.cancelled.slotId(0)), "state"), "Collected");
    assert.equal(field(get("Slot", scenario.cancelled.slotId(1)), "state"), "Free");

    const failed = get("StorageRequest", scenario.failed.requestId);
    assert.equal(field(failed, "state"), "Failed");
    assert.equal(field(failed, "client"), lower(scenario.failed.client));
    assert.equal(field(failed, "filledSlots"), 1);
    assert.equal(field(failed, "freeSlots"), 3);
    const terms = scenario.failed.example.request;
    for (let i = 0; i < 3; i++) {
      const slot = get("Slot", scenario.failed.slotId(i));
      assert.equal(field(slot, "state"), "Repair");
      assert.equal(field(slot, "host"), null);
      assert.equal(field(slot, "forfeited"), terms.collateralPerByte * terms.slotSize);
    }
  });

  it("indexes the payment channel and its settlement", () => {
    const channel = get("PaymentChannel", scenario.channelId);
    const { channelDeposit, channelTopUp, channelPaid } = scenario.facts;
    assert.equal(field(channel, "state"), "Closed");
    assert.equal(field(channel, "deposited"), channelDeposit + channelTopUp);
    assert.equal(field(channel, "paid"), channelPaid);
    assert.equal(field(channel, "refund"), channelDeposit + channelTopUp - channelPaid);
    const settlements = subgraph.store.all("ChannelSettlement");
    assert.equal(settlements.length, 1);
    assert.equal(field(settlements[0], "payout"), channelPaid);
  });

  it("keeps market totals and daily stats", () => {
    const stats = get("MarketStats", "market");
    assert.equal(field(stats, "providers"), 5);
    assert.equal(field(stats, "requests"), 3);
    assert.equal(field(stats, "startedRequests"), 2);
    assert.equal(field(stats, "finishedRequests"), 1);
    assert.equal(field(stats, "cancelledRequests"), 1);
    assert.equal(field(stats, "failedRequests"), 1);
    assert.equal(field(stats, "slotsFilled"), 10);
    assert.equal(field(stats, "slotsFreed"), 4);
    assert.equal(field(stats, "proofsSubmitted"), scenario.facts.proofs);
    assert.equal(field(stats, "proofsMissed"), scenario.facts.misses);
    assert.equal(field(stats, "totalLockedCollateral"), 0n);
    assert.equal(field(stats, "channels"), 1);
    const days = subgraph.store.all("MarketDayStats");
    assert.ok(days.length >= 1);
    const sum = days.reduce((acc, day) => acc + (field(day, "proofsSubmitted") as number), 0);
    assert.equal(sum, scenario.facts.proofs);
  });
});
