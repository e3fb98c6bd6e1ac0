import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";

describe("Placeholder", async () => {
  const { viem } = await network.create();
  const publicClient = await viem.getPublicClient();

  it("runs on chain 98765 under London rules", async () => {
    assert.equal(await publicClient.getChainId(), 98765);
    const block = await publicClient.getBlock();
    assert.ok(block.baseFeePerGas !== null, "London blocks carry a base fee");
  });

  it("counts pings and emits Pinged", async () => {
    const placeholder = await viem.deployContract("Placeholder");
    const [deployer] = await viem.getWalletClients();
    assert.ok(deployer, "the chain has dev accounts");
    await viem.assertions.emitWithArgs(placeholder.write.ping(), placeholder, "Pinged", [
      deployer.account.address,
      1n,
    ]);
    assert.equal(await placeholder.read.pings(), 1n);
  });
});
