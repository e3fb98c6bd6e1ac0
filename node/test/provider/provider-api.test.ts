import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerRegistryAbi } from "../../src/generated/contracts.ts";
import { errorOf, startTestNode, type TestNode } from "../api/helpers.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";

const offer = {
  pricePerBytePerSecond: "2",
  maxCollateralPerByte: "100",
  minDuration: "60",
  maxDuration: "86400",
  capacity: String(2 ** 30),
  region: "eu-west",
  infrastructure: "bare-metal",
};
const ONE_ETH = 10n ** 18n;

describe("/api/v1/provider on a real chain", () => {
  let devnet: Devnet;
  let node: TestNode;
  let offline: TestNode;

  const post = (path: string, body?: unknown, auth = true) =>
    fetch(`${node.apiUrl}/api/v1/provider/${path}`, {
      method: "POST",
      headers: {
        ...(auth ? node.auth : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const status = async () =>
    (await (await fetch(`${node.apiUrl}/api/v1/provider`)).json()) as Record<string, unknown>;

  const deploymentFile = join(tmpdir(), `cairn-api-deployment-${process.pid}.json`);

  beforeAll(async () => {
    devnet = await startDevnet();
    await writeFile(deploymentFile, JSON.stringify({ chainId: 98765, contracts: devnet.contracts }));
    node = await startTestNode({ "chain-rpc-url": devnet.rpcUrl, "chain-deployment-file": deploymentFile });
    // Nothing listens on port 9: the node starts without a chain link.
    offline = await startTestNode({ "chain-rpc-url": "http://127.0.0.1:9" });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([node?.cleanup(), offline?.cleanup()]);
    await devnet?.stop();
    await rm(deploymentFile, { force: true });
  });

  it("reads an unregistered provider", async () => {
    expect(await status()).toMatchObject({ registered: false, stake: "0", minStake: String(ONE_ETH) });
  });

  it("refuses writes without the token, before reading the body", async () => {
    const res = await post("register", { stake: "1" }, false);
    expect(res.status).toBe(401);
  });

  it.each([
    [{ stake: "1", offer: { ...offer, region: "a-region-name-over-16" } }, "offer/region"],
    [{ stake: "-1", offer }, "stake"],
    [{ stake: "1", offer: { ...offer, capacity: "0" } }, "capacity"],
    [{ stake: "1", offer: { ...offer, minDuration: "100000" } }, "minDuration"],
    [{ stake: "1", offer, apiUrl: "ftp://x" }, "apiUrl"],
    [{ stake: "1", offer, extra: true }, "extra"],
  ])("answers 400 naming the field for %o", async (body, field) => {
    const res = await post("register", body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await errorOf(res))).toContain(field.split("/").pop());
  });

  it("answers 422 with the contract's error for a stake under the minimum, and sends nothing", async () => {
    const before = await devnet.publicClient.getBlockNumber();
    const res = await post("register", { stake: "1", offer });
    expect(res.status).toBe(422);
    const error = await errorOf(res);
    expect(error.code).toBe("CONTRACT_REVERT");
    expect(error.field).toBe("ProviderRegistryStakeTooLow");
    expect(await devnet.publicClient.getBlockNumber()).toBe(before);
  });

  it("registers with its peer id, libp2p addresses and API URL, then manages stake, offer and pause", async () => {
    const res = await post("register", {
      stake: String(2n * ONE_ETH),
      offer,
      apiUrl: "http://127.0.0.1:8080",
    });
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
    const { transactionHash } = (await res.json()) as { transactionHash: `0x${string}` };
    const receipt = await devnet.publicClient.getTransactionReceipt({ hash: transactionHash });
    const [registered] = parseEventLogs({
      abi: providerRegistryAbi,
      logs: receipt.logs,
      eventName: "ProviderRegistered",
    });
    expect(registered?.args.multiaddrs).toContain("/ip4/127.0.0.1/tcp/8080/http");
    expect(
      registered?.args.multiaddrs.filter((a) => a.endsWith(`/p2p/${node.node.network?.peerId}`)).length,
    ).toBe(2);
    expect(await status()).toMatchObject({ registered: true, stake: String(2n * ONE_ETH), offer });

    expect((await post("stake", { amount: String(ONE_ETH) })).status).toBe(200);
    expect(await status()).toMatchObject({ stake: String(3n * ONE_ETH) });

    expect((await post("unstake", { amount: String(ONE_ETH) })).status).toBe(200);
    expect(await status()).toMatchObject({ stake: String(2n * ONE_ETH), exitAmount: String(ONE_ETH) });
    const early = await post("withdraw");
    expect(early.status).toBe(422);
    expect((await errorOf(early)).field).toBe("ProviderRegistryExitLocked");

    expect((await post("offer", { ...offer, pricePerBytePerSecond: "5", region: "us-east" })).status).toBe(
      200,
    );
    expect(await status()).toMatchObject({
      offer: { ...offer, pricePerBytePerSecond: "5", region: "us-east" },
    });

    expect((await post("pause")).status).toBe(200);
    expect(await status()).toMatchObject({ paused: true });
    const twice = await post("pause");
    expect((await errorOf(twice)).field).toBe("ProviderRegistryAlreadyPaused");
    expect((await post("resume")).status).toBe(200);
    expect(await status()).toMatchObject({ paused: false });
  }, 60_000);

  it("collects through the node's own collector: nothing held, nothing to collect", async () => {
    const res = await post("collect");
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
    expect(await res.json()).toEqual({ collected: [] });
    const bad = await post("collect", { slotId: "0x12" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe("slotId");
    // A slot nobody holds (no such request) is not this node's to collect.
    const nobody = await post("collect", { slotId: `0x${"ab".repeat(30)}0000` });
    expect(nobody.status).toBe(422);
    expect((await errorOf(nobody)).message).toMatch(/not held by this node.*nobody holds it/);
  });

  it("answers 503 without a chain link, and the node still serves data", async () => {
    const res = await fetch(`${offline.apiUrl}/api/v1/provider`);
    expect(res.status).toBe(503);
    expect((await errorOf(res)).message).toMatch(/chain/);
    expect((await fetch(`${offline.apiUrl}/api/v1/health`)).status).toBe(200);
  });
});
