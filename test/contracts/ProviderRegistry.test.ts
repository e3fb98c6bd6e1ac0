import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { encodeFunctionData, isAddressEqual, parseEther, toHex, zeroAddress } from "viem";
import { deployCairn, MARKET_ROLE, registerProviders } from "../helpers/cairn.ts";
import { TEST_REGISTRY_CONFIG } from "../helpers/config.ts";
import { EXAMPLE_MULTIADDRS, EXAMPLE_PEER_ID, exampleOffer } from "../helpers/examples.ts";
import { guardUnhandledRejections } from "../helpers/guard.ts";
import { at } from "../helpers/arrays.ts";

guardUnhandledRejections();

const sameAddresses = (actual: readonly string[], expected: readonly `0x${string}`[]) =>
  actual.length === expected.length &&
  actual.every((a, i) => isAddressEqual(a as `0x${string}`, at(expected, i)));

describe("ProviderRegistry", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;

  /** The registry with provider1 registered (10 ETH, active) and a test account as market. */
  async function registryFixture() {
    const cairn = await deployCairn(connection);
    const [provider, stranger] = cairn.providers;
    assert.ok(provider && stranger);
    // The deployer plays the market, so the tests can call the market-only functions.
    await cairn.registry.write.grantRole([MARKET_ROLE, cairn.deployer.account.address]);
    await registerProviders(cairn, [provider]);
    return { ...cairn, provider, stranger, market: cairn.deployer };
  }
  const load = () => networkHelpers.loadFixture(registryFixture);

  describe("constructor", () => {
    it("rejects a zero minimum stake, over-long delays and a zero admin", async () => {
      const { deployer, registry } = await load();
      const admin = deployer.account.address;
      const cases = [
        [{ ...TEST_REGISTRY_CONFIG, minStake: 0n }, admin],
        [{ ...TEST_REGISTRY_CONFIG, activationDelay: 31n * 86_400n }, admin],
        [{ ...TEST_REGISTRY_CONFIG, unbondingPeriod: 366n * 86_400n }, admin],
        [TEST_REGISTRY_CONFIG, zeroAddress],
      ] as const;
      for (const args of cases) {
        await viem.assertions.revertWithCustomError(
          viem.deployContract("ProviderRegistry", [...args]),
          registry,
          "ProviderRegistryInvalidConfig",
        );
      }
    });

    it("exposes its config", async () => {
      const { registry } = await load();
      assert.deepEqual(await registry.read.config(), TEST_REGISTRY_CONFIG);
    });
  });

  describe("register", () => {
    it("stakes, stores the offer, starts the activation delay and emits", async () => {
      const { registry, stranger } = await load();
      const offer = exampleOffer({ region: toHex("us-east", { size: 16 }) });
      const tx = registry.write.register([offer, EXAMPLE_PEER_ID, EXAMPLE_MULTIADDRS], {
        account: stranger.account,
        value: parseEther("2"),
      });
      await viem.assertions.emit(tx, registry, "ProviderRegistered");
      const info = await registry.read.providerInfo([stranger.account.address]);
      const block = await (await viem.getPublicClient()).getBlock();
      assert.equal(info.stake, parseEther("2"));
      assert.equal(info.registered, true);
      assert.equal(BigInt(info.activeFrom), block.timestamp + TEST_REGISTRY_CONFIG.activationDelay);
      assert.deepEqual(await registry.read.offerOf([stranger.account.address]), offer);
    });

    it("emits every field the subgraph indexes", async () => {
      const { registry, stranger } = await load();
      const offer = exampleOffer();
      const next = (await networkHelpers.time.latest()) + 1;
      await networkHelpers.time.setNextBlockTimestamp(next);
      await viem.assertions.emitWithArgs(
        registry.write.register([offer, EXAMPLE_PEER_ID, EXAMPLE_MULTIADDRS], {
          account: stranger.account,
          value: parseEther("1"),
        }),
        registry,
        "ProviderRegistered",
        [
          stranger.account.address,
          parseEther("1"),
          offer,
          EXAMPLE_PEER_ID,
          EXAMPLE_MULTIADDRS,
          next + Number(TEST_REGISTRY_CONFIG.activationDelay),
        ],
      );
    });

    it("refuses a second registration", async () => {
      const { registry, provider } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.register([exampleOffer(), "0x", []], {
          account: provider.account,
          value: parseEther("1"),
        }),
        registry,
        "ProviderRegistryAlreadyRegistered",
        [provider.account.address],
      );
    });

    it("refuses a stake below the minimum", async () => {
      const { registry, stranger } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.register([exampleOffer(), "0x", []], {
          account: stranger.account,
          value: parseEther("0.5"),
        }),
        registry,
        "ProviderRegistryStakeTooLow",
        [parseEther("0.5"), TEST_REGISTRY_CONFIG.minStake],
      );
    });

    it("refuses an offer whose bounds contradict each other", async () => {
      const { registry, stranger } = await load();
      for (const offer of [
        exampleOffer({ minDuration: 10n, maxDuration: 5n }),
        exampleOffer({ minDuration: 0n, maxDuration: 0n }),
        exampleOffer({ capacity: 0n }),
      ]) {
        await viem.assertions.revertWithCustomError(
          registry.write.register([offer, "0x", []], { account: stranger.account, value: parseEther("1") }),
          registry,
          "ProviderRegistryInvalidOffer",
        );
      }
    });
  });

  describe("updateOffer and updateEndpoints", () => {
    it("replaces the offer and emits OfferUpdated", async () => {
      const { registry, provider } = await load();
      const offer = exampleOffer({ pricePerBytePerSecond: 7n });
      await viem.assertions.emitWithArgs(
        registry.write.updateOffer([offer], { account: provider.account }),
        registry,
        "OfferUpdated",
        [provider.account.address, offer],
      );
      assert.deepEqual(await registry.read.offerOf([provider.account.address]), offer);
    });

    it("checks the new offer", async () => {
      const { registry, provider } = await load();
      await viem.assertions.revertWithCustomError(
        registry.write.updateOffer([exampleOffer({ capacity: 0n })], { account: provider.account }),
        registry,
        "ProviderRegistryInvalidOffer",
      );
    });

    it("publishes new endpoints in EndpointsUpdated", async () => {
      const { registry, provider } = await load();
      await viem.assertions.emitWithArgs(
        registry.write.updateEndpoints(["0x1234", ["/dns4/example.org/tcp/443/wss"]], {
          account: provider.account,
        }),
        registry,
        "EndpointsUpdated",
        [provider.account.address, "0x1234", ["/dns4/example.org/tcp/443/wss"]],
      );
    });

    it("refuses unregistered callers", async () => {
      const { registry, stranger } = await load();
      const who = [stranger.account.address] as const;
      const calls = [
        registry.write.updateOffer([exampleOffer()], { account: stranger.account }),
        registry.write.updateEndpoints(["0x", []], { account: stranger.account }),
        registry.write.pause({ account: stranger.account }),
        registry.write.resume({ account: stranger.account }),
        registry.write.addStake({ account: stranger.account, value: 1n }),
        registry.write.requestWithdrawal([1n], { account: stranger.account }),
      ];
      for (const call of calls) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, registry, "ProviderRegistryNotRegistered", [
          ...who,
        ]);
      }
    });
  });

  describe("pause and resume", () => {
    it("toggles and emits", async () => {
      const { registry, provider } = await load();
      await viem.assertions.emitWithArgs(
        registry.write.pause({ account: provider.account }),
        registry,
        "ProviderPaused",
        [provider.account.address],
      );
      assert.equal((await registry.read.providerInfo([provider.account.address])).paused, true);
      await viem.assertions.emitWithArgs(
        registry.write.resume({ account: provider.account }),
        registry,
        "ProviderResumed",
        [provider.account.address],
      );
      assert.equal((await registry.read.providerInfo([provider.account.address])).paused, false);
    });

    it("refuses to pause twice or resume when running", async () => {
      const { registry, provider } = await load();
      const who = [provider.account.address] as const;
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.resume({ account: provider.account }),
        registry,
        "ProviderRegistryNotPaused",
        [...who],
      );
      await registry.write.pause({ account: provider.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.pause({ account: provider.account }),
        registry,
        "ProviderRegistryAlreadyPaused",
        [...who],
      );
    });
  });

  describe("addStake", () => {
    it("adds to the stake and emits the new total", async () => {
      const { registry, provider } = await load();
      await viem.assertions.emitWithArgs(
        registry.write.addStake({ account: provider.account, value: parseEther("3") }),
        registry,
        "StakeAdded",
        [provider.account.address, parseEther("3"), parseEther("13")],
      );
    });

    it("refuses zero", async () => {
      const { registry, provider } = await load();
      await viem.assertions.revertWithCustomError(
        registry.write.addStake({ account: provider.account, value: 0n }),
        registry,
        "ProviderRegistryZeroAmount",
      );
    });
  });

  describe("stake exits", () => {
    it("queues free stake, keeps it until the unbonding period is over, then pays it", async () => {
      const { registry, provider } = await load();
      const address = provider.account.address;
      await registry.write.requestWithdrawal([parseEther("4")], { account: provider.account });
      const info = await registry.read.providerInfo([address]);
      assert.equal(info.stake, parseEther("6"));
      assert.equal(info.exitAmount, parseEther("4"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.withdraw({ account: provider.account }),
        registry,
        "ProviderRegistryExitLocked",
        [address, info.exitUnlocksAt],
      );
      await networkHelpers.time.increaseTo(info.exitUnlocksAt);
      const tx = registry.write.withdraw({ account: provider.account });
      await viem.assertions.balancesHaveChanged(tx, [
        { address, amount: parseEther("4") },
        { address: registry.address, amount: -parseEther("4") },
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.withdraw({ account: provider.account }),
        registry,
        "ProviderRegistryNoExit",
        [address],
      );
    });

    it("emits WithdrawalRequested and StakeWithdrawn", async () => {
      const { registry, provider } = await load();
      const address = provider.account.address;
      const next = (await networkHelpers.time.latest()) + 1;
      await networkHelpers.time.setNextBlockTimestamp(next);
      const unlocksAt = next + Number(TEST_REGISTRY_CONFIG.unbondingPeriod);
      await viem.assertions.emitWithArgs(
        registry.write.requestWithdrawal([parseEther("1")], { account: provider.account }),
        registry,
        "WithdrawalRequested",
        [address, parseEther("1"), parseEther("1"), unlocksAt],
      );
      await networkHelpers.time.increaseTo(unlocksAt);
      await viem.assertions.emitWithArgs(
        registry.write.withdraw({ account: provider.account }),
        registry,
        "StakeWithdrawn",
        [address, parseEther("1")],
      );
    });

    it("adds a second request to the queued exit and restarts its delay", async () => {
      const { registry, provider } = await load();
      await registry.write.requestWithdrawal([parseEther("1")], { account: provider.account });
      const first = await registry.read.providerInfo([provider.account.address]);
      await networkHelpers.time.increase(1000);
      await registry.write.requestWithdrawal([parseEther("2")], { account: provider.account });
      const second = await registry.read.providerInfo([provider.account.address]);
      assert.equal(second.exitAmount, parseEther("3"));
      assert.ok(second.exitUnlocksAt > first.exitUnlocksAt);
    });

    it("only takes free stake", async () => {
      const { registry, provider, market } = await load();
      const address = provider.account.address;
      await registry.write.lockCollateral([address, parseEther("7")], { account: market.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.requestWithdrawal([parseEther("4")], { account: provider.account }),
        registry,
        "ProviderRegistryInsufficientFreeStake",
        [address, parseEther("3"), parseEther("4")],
      );
      await viem.assertions.revertWithCustomError(
        registry.write.requestWithdrawal([0n], { account: provider.account }),
        registry,
        "ProviderRegistryZeroAmount",
      );
    });

    it("lets a slash reach a queued exit, and pays out only what is left", async () => {
      const { registry, provider, market, stranger } = await load();
      const address = provider.account.address;
      await registry.write.lockCollateral([address, parseEther("2")], { account: market.account });
      await registry.write.requestWithdrawal([parseEther("8")], { account: provider.account });
      // Stake 2 (all locked), exit 8. A slash of 5 takes the 2 locked, then 3 from the exit.
      const slash = registry.write.slash(
        [address, parseEther("5"), [stranger.account.address], [parseEther("5")]],
        {
          account: market.account,
        },
      );
      await viem.assertions.emitWithArgs(slash, registry, "ProviderSlashed", [
        address,
        parseEther("5"),
        parseEther("3"),
        (recipients: readonly string[]) => sameAddresses(recipients, [stranger.account.address]),
        [parseEther("5")],
      ]);
      const info = await registry.read.providerInfo([address]);
      assert.equal(info.stake, 0n);
      assert.equal(info.lockedCollateral, 0n);
      assert.equal(info.exitAmount, parseEther("5"));
      await networkHelpers.time.increaseTo(info.exitUnlocksAt);
      await viem.assertions.balancesHaveChanged(registry.write.withdraw({ account: provider.account }), [
        { address, amount: parseEther("5") },
      ]);
      assert.equal(await (await viem.getPublicClient()).getBalance({ address: registry.address }), 0n);
    });
  });

  describe("collateral (market only)", () => {
    it("locks and unlocks, emitting the new totals", async () => {
      const { registry, provider, market } = await load();
      const address = provider.account.address;
      await viem.assertions.emitWithArgs(
        registry.write.lockCollateral([address, parseEther("3")], { account: market.account }),
        registry,
        "CollateralLocked",
        [address, parseEther("3"), parseEther("3")],
      );
      await viem.assertions.emitWithArgs(
        registry.write.unlockCollateral([address, parseEther("1")], { account: market.account }),
        registry,
        "CollateralUnlocked",
        [address, parseEther("1"), parseEther("2")],
      );
      assert.equal((await registry.read.providerInfo([address])).lockedCollateral, parseEther("2"));
    });

    it("refuses callers without the market role", async () => {
      const { registry, provider } = await load();
      const address = provider.account.address;
      const args = [provider.account.address, MARKET_ROLE] as const;
      for (const call of [
        registry.write.lockCollateral([address, 1n], { account: provider.account }),
        registry.write.unlockCollateral([address, 1n], { account: provider.account }),
        registry.write.slash([address, 1n, [address], [1n]], { account: provider.account }),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          call,
          registry,
          "AccessControlUnauthorizedAccount",
          [...args],
        );
      }
    });

    it("refuses to lock for providers that are unregistered, paused, not yet active or under-staked", async () => {
      const { registry, provider, stranger, market } = await load();
      const address = provider.account.address;
      const lock = (who: `0x${string}`, amount: bigint) =>
        registry.write.lockCollateral([who, amount], { account: market.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        lock(stranger.account.address, 1n),
        registry,
        "ProviderRegistryNotRegistered",
        [stranger.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        lock(address, parseEther("11")),
        registry,
        "ProviderRegistryInsufficientFreeStake",
        [address, parseEther("10"), parseEther("11")],
      );
      await registry.write.pause({ account: provider.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        lock(address, 1n),
        registry,
        "ProviderRegistryPaused",
        [address],
      );
      await registry.write.resume({ account: provider.account });
      await registry.write.requestWithdrawal([parseEther("9.5")], { account: provider.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        lock(address, 1n),
        registry,
        "ProviderRegistryStakeTooLow",
        [parseEther("0.5"), TEST_REGISTRY_CONFIG.minStake],
      );
      await registry.write.register([exampleOffer(), "0x", []], {
        account: stranger.account,
        value: parseEther("1"),
      });
      const { activeFrom } = await registry.read.providerInfo([stranger.account.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        lock(stranger.account.address, 1n),
        registry,
        "ProviderRegistryNotActive",
        [stranger.account.address, activeFrom],
      );
    });

    it("refuses to unlock more than is locked", async () => {
      const { registry, provider, market } = await load();
      const address = provider.account.address;
      await registry.write.lockCollateral([address, 5n], { account: market.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.unlockCollateral([address, 6n], { account: market.account }),
        registry,
        "ProviderRegistryUnlockExceedsLocked",
        [address, 5n, 6n],
      );
    });
  });

  describe("slash", () => {
    it("takes locked collateral first and pays every recipient its share", async () => {
      const { registry, provider, market, stranger } = await load();
      const address = provider.account.address;
      await registry.write.lockCollateral([address, parseEther("4")], { account: market.account });
      const recipients = [stranger.account.address, market.account.address] as const;
      const tx = registry.write.slash(
        [address, parseEther("3"), [...recipients], [parseEther("1"), parseEther("2")]],
        {
          account: market.account,
        },
      );
      await viem.assertions.balancesHaveChanged(tx, [
        { address: stranger.account.address, amount: parseEther("1") },
        { address: registry.address, amount: -parseEther("3") },
      ]);
      const info = await registry.read.providerInfo([address]);
      assert.equal(info.stake, parseEther("7"));
      assert.equal(info.lockedCollateral, parseEther("1"));
    });

    it("takes free stake after the locked collateral", async () => {
      const { registry, provider, market, stranger } = await load();
      const address = provider.account.address;
      await registry.write.lockCollateral([address, parseEther("1")], { account: market.account });
      await registry.write.slash([address, parseEther("4"), [stranger.account.address], [parseEther("4")]], {
        account: market.account,
      });
      const info = await registry.read.providerInfo([address]);
      assert.equal(info.stake, parseEther("6"));
      assert.equal(info.lockedCollateral, 0n);
    });

    it("refuses shares that do not match", async () => {
      const { registry, provider, market, stranger } = await load();
      const address = provider.account.address;
      const to = stranger.account.address;
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.slash([address, 5n, [to], [4n]], { account: market.account }),
        registry,
        "ProviderRegistryInvalidShares",
        [5n, 4n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.slash([address, 5n, [to, to], [5n]], { account: market.account }),
        registry,
        "ProviderRegistryInvalidShares",
        [5n, 5n],
      );
    });

    it("never takes more than the stake and queued exit", async () => {
      const { registry, provider, market, stranger } = await load();
      const address = provider.account.address;
      const amount = parseEther("10") + 1n;
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.slash([address, amount, [stranger.account.address], [amount]], {
          account: market.account,
        }),
        registry,
        "ProviderRegistrySlashExceedsStake",
        [address, parseEther("10"), amount],
      );
    });
  });

  describe("attacks", () => {
    it("pays a reentrant provider its exit once", async () => {
      const { registry } = await load();
      const attacker = await viem.deployContract("ReentrantReceiver");
      const register = encodeFunctionData({
        abi: registry.abi,
        functionName: "register",
        args: [exampleOffer(), "0x", []],
      });
      await attacker.write.execute([registry.address, register, parseEther("2")], { value: parseEther("2") });
      const request = encodeFunctionData({
        abi: registry.abi,
        functionName: "requestWithdrawal",
        args: [parseEther("2")],
      });
      await attacker.write.execute([registry.address, request, 0n]);
      await networkHelpers.time.increase(TEST_REGISTRY_CONFIG.unbondingPeriod);
      const withdraw = encodeFunctionData({ abi: registry.abi, functionName: "withdraw" });
      await attacker.write.setReentry([registry.address, withdraw]);
      await attacker.write.execute([registry.address, withdraw, 0n]);
      assert.equal(await attacker.read.paymentsReceived(), parseEther("2"));
      assert.equal(await attacker.read.reentryAttempts(), 1n);
      assert.equal(await attacker.read.reentrySuccesses(), 0n);
      const error = await attacker.read.lastReentryError();
      assert.equal(error.slice(0, 10), "0x3ee5aeb5", "ReentrancyGuardReentrantCall()");
    });
  });
});
