import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationFlag, sizeFlag, weiFlag } from "../../src/cli/amounts.ts";
import { startTestNode, TOKEN, type TestNode } from "../api/helpers.ts";
import { runCairn } from "../helpers/cli.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";

describe("amount, size and duration flags", () => {
  it.each([
    ["1.5eth", 1_500_000_000_000_000_000n],
    ["20gwei", 20_000_000_000n],
    ["1000", 1000n],
    ["7wei", 7n],
  ])("%s is %s wei", (text, wei) => expect(weiFlag(text, "--stake")).toBe(wei));

  it.each(["1.5", "-1", "eth", "1e18", "1.5wei", "0.0000000000000000001eth"])("refuses %s", (text) => {
    expect(() => weiFlag(text, "--stake")).toThrow(/--stake must be an amount/);
  });

  it("reads sizes and durations, and names the flag on a bad one", () => {
    expect(sizeFlag("10GiB", "--capacity")).toBe(10n * 2n ** 30n);
    expect(sizeFlag("4096", "--capacity")).toBe(4096n);
    expect(() => sizeFlag("10 parsecs", "--capacity")).toThrow(/--capacity must be a size/);
    expect(durationFlag("12h", "--max-duration")).toBe(43_200n);
    expect(() => durationFlag("1y", "--max-duration")).toThrow(/--max-duration must be a duration/);
  });
});

describe("cairn provider, against a node on a real chain", () => {
  let devnet: Devnet;
  let node: TestNode;

  const cairn = (...args: string[]) =>
    runCairn(["provider", ...args], { apiUrl: node.apiUrl, token: TOKEN, folder: node.dataDir });

  const deploymentFile = join(tmpdir(), `cairn-cli-deployment-${process.pid}.json`);

  beforeAll(async () => {
    devnet = await startDevnet();
    await writeFile(deploymentFile, JSON.stringify({ chainId: 98765, contracts: devnet.contracts }));
    node = await startTestNode({ "chain-rpc-url": devnet.rpcUrl, "chain-deployment-file": deploymentFile });
  }, 60_000);
  afterAll(async () => {
    await node?.cleanup();
    await devnet?.stop();
    await rm(deploymentFile, { force: true });
  });

  it("shows an unregistered account and the minimum stake", async () => {
    const run = await cairn("status");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/registered: +no/);
    expect(run.stdout).toMatch(/min stake: +1 ETH/);
  });

  it.each([
    [["register"], /--stake is required/],
    [["register", "--stake", "2eth"], /--price is required/],
    [["register", "--stake", "lots"], /--stake must be an amount/],
    [["stake"], /takes one amount/],
    [["frob"], /unknown provider command "frob"/],
    [["collect", "--slot-index", "3"], /--slot-index needs --request-id/],
    [["collect", "extra"], /takes options only/],
  ])("exits 2 with one line for %j", async (args, message) => {
    const run = await cairn(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("has nothing to collect on a node that holds no slots", async () => {
    const run = await cairn("collect");
    expect(run).toMatchObject({ code: 0, stdout: "nothing to collect\n" });
    expect(JSON.parse((await cairn("collect", "--json")).stdout)).toEqual({ collected: [] });
  });

  it("exits 1 with the contract's refusal, and registers, stakes, re-prices and pauses", async () => {
    const offer = ["--price", "3", "--max-collateral", "50", "--min-duration", "1h", "--max-duration", "30d"];
    const labels = ["--capacity", "20GiB", "--region", "ap-south", "--infrastructure", "rack-7"];
    const low = await cairn("register", "--stake", "0.5eth", ...offer, ...labels);
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(/ProviderRegistryStakeTooLow/);

    const registered = await cairn("register", "--stake", "2eth", ...offer, ...labels);
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout).toMatch(/^register: mined in 0x[0-9a-f]{64}\n$/);
    expect((await cairn("stake", "1eth")).code).toBe(0);
    expect((await cairn("offer", "--price", "9")).code).toBe(0);
    expect((await cairn("pause")).code).toBe(0);

    const status = await cairn("status", "--json");
    expect(JSON.parse(status.stdout)).toMatchObject({
      registered: true,
      paused: true,
      stake: String(3n * 10n ** 18n),
      offer: {
        pricePerBytePerSecond: "9",
        maxCollateralPerByte: "50",
        minDuration: "3600",
        maxDuration: String(30 * 86_400),
        capacity: String(20n * 2n ** 30n),
        region: "ap-south",
        infrastructure: "rack-7",
      },
    });
  }, 60_000);
});
