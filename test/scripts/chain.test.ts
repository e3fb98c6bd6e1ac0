/**
 * The chain start-up on a real engine: anvil from genesis/ (fast), plus the checks that
 * fail before anything starts. The Clique engine runs in the smoke test (npm run test:smoke).
 */
import { createServer, type Server } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { parseChainArgs } from "../../scripts/chain/options.ts";
import { startChain, type RunningChain } from "../../scripts/chain/start.ts";
import { deployCairn } from "../../scripts/deploy/deploy.ts";
import { devAccount, genesisBalance } from "../../scripts/lib/dev-accounts.ts";

describe("chain options", () => {
  it("defaults to one Clique sealer, and CHAIN selects the engine", () => {
    expect(parseChainArgs([], {})).toMatchObject({ engine: "poa" });
    expect(parseChainArgs([], { CHAIN: "anvil" })).toMatchObject({ engine: "anvil" });
    expect(parseChainArgs(["--sealers", "3"], {})).toMatchObject({ engine: "poa", sealers: 3 });
  });

  it.each([
    [["--engine", "geth"], /--engine must be poa or anvil/],
    [["--sealers", "0"], /--sealers must be from 1 to 3/],
    [["--sealers", "two"], /--sealers must be a whole number/],
    [["--engine", "anvil", "--sealers", "2"], /--sealers applies to --engine poa only/],
    [["--port", "70000"], /--port must be from 1 to 65535/],
    [["--colour"], /Unknown option '--colour'/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseChainArgs(argv, {})).toThrow(message);
  });
});

describe("startChain", () => {
  const started: RunningChain[] = [];
  afterAll(async () => {
    for (const chain of started) await chain.stop();
  });

  it("refuses a port that is taken, naming it, before starting anything", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(18645, "127.0.0.1", resolve));
    try {
      await expect(
        startChain({ engine: "anvil", rpcPort: 18645, dataDir: mkdtempSync(join(tmpdir(), "cairn-chain-")) }),
      ).rejects.toThrow(/port 18645 \(.*\) is already in use/);
    } finally {
      blocker.close();
    }
  });

  it("starts anvil from genesis/ and the deploy pipeline deploys every contract to it", async () => {
    const chain = await startChain({
      engine: "anvil",
      rpcPort: 18655,
      dataDir: mkdtempSync(join(tmpdir(), "cairn-chain-")),
    });
    started.push(chain);
    const rpcUrl = chain.rpcUrls[0] ?? "";
    const client = createPublicClient({ transport: http(rpcUrl) });
    expect(await client.getChainId()).toBe(98765);
    const client1 = devAccount("client1").address;
    expect(await client.getBalance({ address: client1 })).toBe(genesisBalance(client1));

    const deployment = await deployCairn({ rpcUrl, writeFiles: false, deploymentId: "scripts-test" });
    expect(Object.keys(deployment.contracts).sort()).toEqual([
      "PaymentChannels",
      "ProviderRegistry",
      "StorageMarket",
    ]);
    for (const { address, blockNumber } of Object.values(deployment.contracts)) {
      expect(await client.getCode({ address })).not.toBe("0x");
      expect(await client.getCode({ address, blockNumber: BigInt(blockNumber - 1) })).toBeUndefined();
    }

    // A second run on the same chain resumes from Ignition's journal: same addresses.
    const again = await deployCairn({ rpcUrl, writeFiles: false, deploymentId: "scripts-test" });
    expect(again.contracts).toEqual(deployment.contracts);
  });
});
