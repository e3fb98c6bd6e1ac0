/**
 * A market's worth of events on Hardhat's in-process chain, for the mapping and indexer
 * tests: providers register and manage their stake, a client's 4-slot request is filled,
 * proved, one slot misses until it is freed and repaired, the request finishes and
 * everyone is paid; and a payment channel is opened, topped up, settled and closed.
 * It drives the contracts with the contract tests' helpers (test/helpers/).
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { type Hex, parseEther } from "viem";
import { channelIdOf } from "../../node/src/core/index.ts";
import {
  VOUCHER_DOMAIN_NAME,
  VOUCHER_DOMAIN_VERSION,
  VOUCHER_TYPES,
} from "../../scripts/generate/contracts-module.ts";
import {
  type Cairn,
  type SentRequest,
  deployCairn,
  fillAll,
  fillSlot,
  now,
  registerProviders,
  sendRequest,
  sent,
  submitProofs,
} from "../../test/helpers/cairn.ts";
import { endPeriod, enterPeriod, nextTxPeriod } from "../../test/helpers/chain.ts";
import { at } from "../../test/helpers/arrays.ts";
import { TEST_REGISTRY_CONFIG } from "../../test/helpers/config.ts";
import { exampleOffer, exampleRequest } from "../../test/helpers/examples.ts";
import type { DeploymentSources } from "../runner/runner.ts";

export interface Scenario {
  cairn: Cairn;
  deployment: DeploymentSources;
  request: SentRequest;
  /** Filled in part, cancelled at expiry. */
  cancelled: SentRequest;
  /** By the second client; failed when three hosts freed their slots. */
  failed: SentRequest;
  client: WalletClient;
  /** Hosts of slots 0..3 at the start; slot 3's host misses and is replaced by `repairer`. */
  hosts: WalletClient[];
  repairer: WalletClient;
  channelId: Hex;
  /** What the scenario did, for the assertions. */
  facts: {
    stake: bigint;
    addedStake: bigint;
    withdrawn: bigint;
    misses: number;
    proofs: number;
    channelDeposit: bigint;
    channelTopUp: bigint;
    channelPaid: bigint;
  };
}

/** Deploys the contracts and records where, as deployments/<chainId>.json would. */
export async function deployForIndexing(
  connection: NetworkConnection,
): Promise<{ cairn: Cairn; deployment: DeploymentSources }> {
  const cairn = await deployCairn(connection);
  const publicClient = cairn.publicClient;
  const contracts: DeploymentSources["contracts"] = {};
  for (const [name, contract] of [
    ["ProviderRegistry", cairn.registry],
    ["StorageMarket", cairn.market],
    ["PaymentChannels", cairn.channels],
  ] as const) {
    // Each deployContract mines one block; the deploy block is the first with code.
    let block = await publicClient.getBlockNumber();
    while (
      block > 0n &&
      (await publicClient.getCode({ address: contract.address, blockNumber: block - 1n })) !== undefined
    ) {
      block -= 1n;
    }
    contracts[name] = { address: contract.address, blockNumber: Number(block) };
  }
  return { cairn, deployment: { network: "hardhat", contracts } };
}

export async function runScenario(connection: NetworkConnection): Promise<Scenario> {
  const { cairn, deployment } = await deployForIndexing(connection);
  const { market, registry, channels, validator } = cairn;
  const providers = cairn.providers.slice(0, 5);
  const [p0, p1, p2, p3, repairer] = [0, 1, 2, 3, 4].map((i) => at(providers, i)) as [
    WalletClient,
    WalletClient,
    WalletClient,
    WalletClient,
    WalletClient,
  ];
  const stake = parseEther("10");
  await registerProviders(cairn, providers, { stake });

  // Provider housekeeping: a new offer and endpoints, pause and resume, more stake, an exit.
  await registry.write.updateOffer([exampleOffer({ capacity: 2n ** 41n })], { account: p0.account });
  await registry.write.updateEndpoints(["0x0102", ["/dns4/p1.example/tcp/4001"]], { account: p1.account });
  await registry.write.pause({ account: p2.account });
  await registry.write.resume({ account: p2.account });
  const addedStake = parseEther("2");
  await registry.write.addStake({ account: p0.account, value: addedStake });
  const withdrawn = parseEther("1");
  await registry.write.requestWithdrawal([withdrawn], { account: repairer.account });
  await cairn.networkHelpers.time.increase(TEST_REGISTRY_CONFIG.unbondingPeriod);
  await registry.write.withdraw({ account: repairer.account });

  // A request: filled, proved, slot 3 misses maxMissedProofs times and is freed.
  const client = at(cairn.clients, 0);
  const example = exampleRequest({ now: await now(cairn), label: "subgraph" });
  await sendRequest(cairn, client, example);
  const request = sent(example, client);
  await fillAll(cairn, request, [p0, p1, p2, p3]);
  // A second request that only one slot of is filled: it will be cancelled at expiry.
  const cancelExample = exampleRequest({ now: await now(cairn), label: "subgraph-cancel", slots: 2 });
  await sendRequest(cairn, client, cancelExample);
  const cancelled = sent(cancelExample, client);
  await fillSlot(cairn, cancelled, 0, p1);
  let period = (await market.read.requestInfo([request.requestId])).startPeriod + 1n;
  let proofs = 0;
  let misses = 0;
  for (let round = 0; round < 3; round++) {
    await enterPeriod(cairn, period);
    await submitProofs(cairn, request, [0], p0);
    await submitProofs(cairn, request, [1], p1);
    await submitProofs(cairn, request, [2], p2);
    proofs += 3;
    await endPeriod(cairn, period);
    await market.write.markProofAsMissing([request.slotId(3), period], { account: validator.account });
    misses += 1;
    period += 1n;
  }
  // Repair, one proof by the repairer, then the request runs to its end and pays out.
  await fillSlot(cairn, request, 3, repairer);
  await enterPeriod(cairn, (await nextTxPeriod(cairn)) + 1n);
  await submitProofs(cairn, request, [3], repairer);
  proofs += 1;
  // A third request, by another client, fails: three of its four hosts leave (k = 2).
  const otherClient = at(cairn.clients, 1);
  const failExample = exampleRequest({ now: await now(cairn), label: "subgraph-fail" });
  await sendRequest(cairn, otherClient, failExample);
  const failed = sent(failExample, otherClient);
  await fillAll(cairn, failed, [repairer, p1, p2, p0]);
  for (const [index, host] of [repairer, p1, p2].entries()) {
    await market.write.freeSlot([failed.slotId(index)], { account: host.account });
  }

  const info = await market.read.requestInfo([request.requestId]);
  await cairn.networkHelpers.time.increaseTo(info.endsAt);
  for (const [index, host] of [p0, p1, p2, repairer].entries()) {
    await market.write.collect([request.slotId(index)], { account: host.account });
  }
  await market.write.withdraw([request.requestId], { account: client.account });
  await market.write.collect([cancelled.slotId(0)], { account: p1.account });
  await market.write.withdraw([cancelled.requestId], { account: client.account });
  await market.write.collect([failed.slotId(3)], { account: p0.account });
  await market.write.withdraw([failed.requestId], { account: otherClient.account });

  // A payment channel from the client to p0.
  const sender = client;
  const channelId = channelIdOf(sender.account.address, 0n);
  const channelDeposit = parseEther("1");
  const channelTopUp = parseEther("0.5");
  const channelPaid = 250n;
  await channels.write.open([p0.account.address, 3600], { account: sender.account, value: channelDeposit });
  await channels.write.deposit([channelId], { account: sender.account, value: channelTopUp });
  const chainId = await cairn.publicClient.getChainId();
  const signature = await sender.signTypedData({
    account: sender.account,
    domain: {
      name: VOUCHER_DOMAIN_NAME,
      version: VOUCHER_DOMAIN_VERSION,
      chainId,
      verifyingContract: channels.address,
    },
    types: VOUCHER_TYPES,
    primaryType: "Voucher",
    message: { channelId, cumulativeAmount: channelPaid },
  });
  await channels.write.settle([{ channelId, cumulativeAmount: channelPaid }, signature], {
    account: p0.account,
  });
  await channels.write.requestClose([channelId], { account: sender.account });
  await cairn.networkHelpers.time.increase(3600);
  await channels.write.withdrawRemainder([channelId], { account: sender.account });

  return {
    cairn,
    deployment,
    request,
    cancelled,
    failed,
    client,
    hosts: [p0, p1, p2, p3],
    repairer,
    channelId,
    facts: { stake, addedStake, withdrawn, misses, proofs, channelDeposit, channelTopUp, channelPaid },
  };
}
