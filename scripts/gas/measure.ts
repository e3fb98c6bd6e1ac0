/**
 * `npm run gas`: the gas of the market's hot calls, measured on Hardhat's in-process chain
 * under London rules (the Clique chain's), with the devnet config the Ignition module
 * deploys. Prints a table, then, as its last line, one JSON object with every figure, the
 * bars of issue 3 and whether all are met (exit code 1 if not).
 *
 * The proofs are real proofs made by node/src/core over 1 GiB slots (2^22 cells of 256 B,
 * depth 22). A 1 GiB tree takes minutes to hash in JS, so each slot is one non-zero
 * 256-byte cell repeated: every level of such a tree is one hash, so its root and paths
 * cost O(depth) (test/helpers/uniform-tree.ts). The calldata is what a random slot's proof
 * would be: 8 cells of non-zero bytes and 176 non-zero sibling hashes.
 */
import hre from "hardhat";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { type Address, type Hex, numberToHex, parseEther, toHex } from "viem";
import { proveSlot, requestIdOf, slotIdOf } from "../../node/src/core/index.ts";
import { type ChainClock, endPeriod, enterPeriod, provablePeriod } from "../../test/helpers/chain.ts";
import { EXAMPLE_MULTIADDRS, EXAMPLE_PEER_ID, exampleOffer } from "../../test/helpers/examples.ts";
import { nonZeroPattern, UniformSlotTree } from "../../test/helpers/uniform-tree.ts";
import CairnModule, {
  DEVNET_MARKET_CONFIG,
  DEVNET_REGISTRY_CONFIG,
  MARKET_ROLE,
} from "../deploy/ignition/CairnModule.ts";
import { VOUCHER_DOMAIN_NAME, VOUCHER_DOMAIN_VERSION, VOUCHER_TYPES } from "../generate/contracts-module.ts";
import { runCli } from "../lib/cli.ts";
import { at } from "../../test/helpers/arrays.ts";

const GIB = 2 ** 30;
const SAMPLES = DEVNET_MARKET_CONFIG.proofSamples;

/** The bars of issue 3, in gas. */
const BARS = {
  requestStorage6: 350_000,
  fillSlot: 400_000,
  submitProofMarginal: 200_000,
  markProofAsMissing: 90_000,
  settle: 60_000,
} as const;
type Key = keyof typeof BARS;

// Build first: a coverage run leaves instrumented artifacts behind, which cost more gas.
await hre.tasks.getTask("build").run({ quiet: true });
const connection = await hre.network.create();
const { viem, networkHelpers } = connection;
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const account = (index: number): WalletClient => {
  const wallet = wallets[index];
  if (wallet === undefined) throw new Error(`the chain has no account ${index}`);
  return wallet;
};
const [validator, client] = [account(1), account(8)];
const providers = [2, 3, 4, 5, 6, 7].map(account);

async function gasOf(send: Promise<Hex>): Promise<number> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await send });
  if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return Number(receipt.gasUsed);
}

/** The request terms every measurement uses: 1 GiB slots, a proof due every period. */
function gibRequest(
  trees: readonly UniformSlotTree[],
  nonce: number,
  now: bigint,
  designated: readonly Address[],
) {
  const request = {
    nonce: numberToHex(nonce, { size: 32 }),
    cid: "0x01711220c3c4733ec8affd06cf9e9ff50ffc6bcd2ec85a6170004bb709669c31de94391a" as Hex,
    slotRoots: trees.map((tree) => toHex(tree.root)),
    providers: designated,
    slotSize: BigInt(GIB),
    dataSlots: Math.ceil(trees.length / 2),
    duration: 30n * 86_400n,
    pricePerBytePerSecond: 1n,
    collateralPerByte: 10n ** 9n,
    proofProbability: 1,
    expiry: now + 3600n,
  };
  const escrow = BigInt(trees.length) * request.slotSize * request.pricePerBytePerSecond * request.duration;
  return { request, escrow };
}

/** Everything measured with the devnet deployment. */
async function measureDevnet(figures: Record<string, number>): Promise<void> {
  const {
    ProviderRegistry: registry,
    StorageMarket: market,
    PaymentChannels: channels,
  } = await connection.ignition.deploy(CairnModule, { displayUi: false });
  const clock: ChainClock = { publicClient, networkHelpers, periodBlocks: DEVNET_MARKET_CONFIG.periodBlocks };
  const offer = exampleOffer({
    pricePerBytePerSecond: 1n,
    maxCollateralPerByte: 10n ** 12n,
    maxDuration: 365n * 86_400n,
  });
  for (const provider of providers) {
    await registry.write.register([offer, EXAMPLE_PEER_ID, EXAMPLE_MULTIADDRS], {
      account: provider.account,
      value: parseEther("20"),
    });
  }
  await networkHelpers.time.increase(DEVNET_REGISTRY_CONFIG.activationDelay);

  // requestStorage with 6 slots: designated (the dApp's flow) and open.
  const trees = Array.from({ length: 6 }, (_, i) => new UniformSlotTree(nonZeroPattern(256, i), GIB));
  const [p0, p1, p2, p3, p4] = providers as [
    WalletClient,
    WalletClient,
    WalletClient,
    WalletClient,
    WalletClient,
  ];
  // p0 holds two slots, so that its submitProofs can carry one or two proofs.
  const holders = [p0, p0, p1, p2, p3, p4];
  const now = (await publicClient.getBlock()).timestamp;
  const designated = gibRequest(
    trees,
    1,
    now,
    holders.map((p) => p.account.address),
  );
  figures.requestStorage6 = await gasOf(
    market.write.requestStorage([designated.request], { account: client.account, value: designated.escrow }),
  );
  const open = gibRequest(trees, 2, now, []);
  figures.requestStorage6Open = await gasOf(
    market.write.requestStorage([open.request], { account: client.account, value: open.escrow }),
  );

  // fillSlot with its first proof. Each fill lands in a fresh period, so it also pays for
  // recording the seed; the worst fill (the first, which also opens the request's payment
  // word, or the last, which starts the request) is the figure.
  const requestId = requestIdOf(client.account.address, designated.request.nonce);
  const fills: number[] = [];
  for (const [index, tree] of trees.entries()) {
    const slotId = slotIdOf(requestId, index);
    const next = (await publicClient.getBlockNumber()) / clock.periodBlocks + 1n;
    const seed = await enterPeriod(clock, next);
    const proof = { period: next, ...proveSlot(tree, seed, slotId, SAMPLES) };
    fills.push(
      await gasOf(
        market.write.fillSlot([slotId, toHex(tree.root), proof], { account: at(holders, index).account }),
      ),
    );
  }
  figures.fillSlot = Math.max(...fills);
  figures.fillSlotFirst = at(fills, 0);
  figures.fillSlotLast = at(fills, fills.length - 1);

  // submitProofs: one proof, then two proofs by the same provider, each the first proof of
  // its period (both record the seed): the difference is one more slot's proof.
  const { startPeriod } = await market.read.requestInfo([requestId]);
  const prove = async (period: bigint, indices: number[]) => {
    const seed = await enterPeriod(clock, period);
    const proofs = indices.map((index) => {
      const slotId = slotIdOf(requestId, index);
      return { slotId, proof: { period, ...proveSlot(at(trees, index), seed, slotId, SAMPLES) } };
    });
    return gasOf(market.write.submitProofs([proofs], { account: p0.account }));
  };
  const one = await prove(startPeriod + 1n, [0]);
  const two = await prove(startPeriod + 2n, [0, 1]);
  figures.submitProofs1 = one;
  figures.submitProofs2 = two;
  figures.submitProofMarginal = two - one;

  // markProofAsMissing: slot 2 did not prove in startPeriod + 1. The first mark is by a
  // validator with no reward balance yet (a fresh storage slot), the worst regular case.
  const mark = (index: number, period: bigint) =>
    gasOf(
      market.write.markProofAsMissing([slotIdOf(requestId, index), period], { account: validator.account }),
    );
  figures.markProofAsMissing = await mark(2, startPeriod + 1n);
  figures.markProofAsMissingRepeat = await mark(3, startPeriod + 1n);
  await endPeriod(clock, startPeriod + 2n);
  await mark(2, startPeriod + 2n);
  await endPeriod(clock, startPeriod + 3n);
  figures.markProofAsMissingFreeing = await mark(2, startPeriod + 3n);

  // PaymentChannels.settle: the recipient cashes its first voucher, then a later one.
  const recipient = p1;
  const channelId = await channels.read.nextChannelId([client.account.address]);
  await channels.write.open([recipient.account.address, 3600], {
    account: client.account,
    value: parseEther("1"),
  });
  const settle = async (cumulativeAmount: bigint) => {
    const signature = await client.signTypedData({
      account: client.account,
      domain: {
        name: VOUCHER_DOMAIN_NAME,
        version: VOUCHER_DOMAIN_VERSION,
        chainId: await publicClient.getChainId(),
        verifyingContract: channels.address,
      },
      types: VOUCHER_TYPES,
      primaryType: "Voucher",
      message: { channelId, cumulativeAmount },
    });
    return gasOf(
      channels.write.settle([{ channelId, cumulativeAmount }, signature], { account: recipient.account }),
    );
  };
  figures.settle = await settle(parseEther("0.001"));
  figures.settleRepeat = await settle(parseEther("0.002"));
}

/**
 * The marginal gas of one proof at other cell sizes, each on its own market deployment:
 * the measurement behind the 256 B default (docs/contracts.md).
 */
async function measureCellSizes(figures: Record<string, number>): Promise<void> {
  const prover = account(10);
  for (const cellSize of [256, 512, 1024, 2048]) {
    const config = { ...DEVNET_MARKET_CONFIG, cellSize };
    const registry = await viem.deployContract("ProviderRegistry", [
      DEVNET_REGISTRY_CONFIG,
      account(0).account.address,
    ]);
    const market = await viem.deployContract("StorageMarket", [registry.address, config]);
    await registry.write.grantRole([MARKET_ROLE, market.address]);
    const offer = exampleOffer({
      pricePerBytePerSecond: 1n,
      maxCollateralPerByte: 10n ** 12n,
      maxDuration: 365n * 86_400n,
    });
    await registry.write.register([offer, "0x", []], { account: prover.account, value: parseEther("20") });
    await networkHelpers.time.increase(DEVNET_REGISTRY_CONFIG.activationDelay);
    const trees = [0, 1].map((i) => new UniformSlotTree(nonZeroPattern(cellSize, i), GIB));
    const { request, escrow } = gibRequest(
      trees,
      100 + cellSize,
      (await publicClient.getBlock()).timestamp,
      [],
    );
    await market.write.requestStorage([request], { account: client.account, value: escrow });
    const requestId = requestIdOf(client.account.address, request.nonce);
    const clock: ChainClock = { publicClient, networkHelpers, periodBlocks: config.periodBlocks };
    for (const [index, tree] of trees.entries()) {
      const slotId = slotIdOf(requestId, index);
      const { period, seed } = await provablePeriod(clock);
      await market.write.fillSlot(
        [slotId, toHex(tree.root), { period, ...proveSlot(tree, seed, slotId, SAMPLES) }],
        {
          account: prover.account,
        },
      );
    }
    const { startPeriod } = await market.read.requestInfo([requestId]);
    const gas: number[] = [];
    for (const [offset, indices] of [
      [1n, [0]],
      [2n, [0, 1]],
    ] as const) {
      const period = startPeriod + offset;
      const seed = await enterPeriod(clock, period);
      const proofs = indices.map((index) => {
        const slotId = slotIdOf(requestId, index);
        return { slotId, proof: { period, ...proveSlot(at(trees, index), seed, slotId, SAMPLES) } };
      });
      gas.push(await gasOf(market.write.submitProofs([proofs], { account: prover.account })));
    }
    figures[`submitProofMarginal_${cellSize}B`] = at(gas, 1) - at(gas, 0);
  }
}

await runCli(async () => {
  const figures: Record<string, number> = {};
  try {
    await measureDevnet(figures);
    await measureCellSizes(figures);
  } finally {
    await connection.close();
  }
  const rows = Object.entries(figures).map(([key, gas]) => {
    const bar = BARS[key as Key];
    const verdict =
      bar === undefined
        ? ""
        : gas <= bar
          ? `<= ${bar.toLocaleString("en")}  ok`
          : `> ${bar.toLocaleString("en")}  OVER`;
    return `${key.padEnd(28)} ${gas.toLocaleString("en").padStart(10)}  ${verdict}`;
  });
  console.log(
    `gas on Hardhat's chain, London rules, devnet config (1 GiB slots, ${SAMPLES} samples of 256 B)\n`,
  );
  console.log(`${"call".padEnd(28)} ${"gas".padStart(10)}  bar`);
  for (const row of rows) console.log(row);
  const measured = Object.fromEntries((Object.keys(BARS) as Key[]).map((key) => [key, figures[key]]));
  const pass = (Object.keys(BARS) as Key[]).every(
    (key) => (figures[key] ?? Number.POSITIVE_INFINITY) <= BARS[key],
  );
  const details = Object.fromEntries(Object.entries(figures).filter(([key]) => !(key in BARS)));
  console.log(JSON.stringify({ ...measured, bars: BARS, pass, details }));
  if (!pass) process.exitCode = 1;
});
