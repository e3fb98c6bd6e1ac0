/**
 * A real chain for node tests: anvil from genesis/genesis.json (chain 98765, the dev
 * accounts funded), with Cairn's contracts deployed through the same Ignition module as
 * `npm run deploy`. Each call gets its own port and data folder, so test files can run in
 * parallel.
 *
 *   const devnet = await startDevnet();
 *   devnet.contracts.StorageMarket.address; devnet.rpcUrl; devnet.account("provider1");
 *   await devnet.mine(15);           // move time on by blocks
 *   await devnet.stop();
 *
 * Blocks are mined per transaction (automine), from the start: neither the deploy nor a
 * test ever waits on a block time; `mine` and `increaseTime` move the chain on where a
 * test needs periods or delays.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createTestClient, defineChain, http, type Address, type Hex } from "viem";
// The Hardhat plugins' type extensions (connection.viem, connection.ignition) that the
// deploy pipeline relies on; the root tsconfig gets them through hardhat.config.ts.
import type {} from "@nomicfoundation/hardhat-toolbox-viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { type RunningChain, startChain } from "../../../scripts/chain/start.ts";
import { deployCairn } from "../../../scripts/deploy/deploy.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";

export const DEVNET_CHAIN_ID = 98765;

export interface DeployedContract {
  address: Address;
  /** The block it was deployed in: where event scans start. */
  blockNumber: number;
}

export interface Devnet {
  rpcUrl: string;
  chain: ReturnType<typeof defineChain>;
  contracts: Record<"ProviderRegistry" | "StorageMarket" | "PaymentChannels", DeployedContract>;
  publicClient: ReturnType<typeof createPublicClient>;
  /** A genesis dev account by role (deployer, provider1..6, client1..2, validator). */
  account(role: string): PrivateKeyAccount;
  /** Mines `blocks` empty blocks at once. */
  mine(blocks: number): Promise<void>;
  /** Moves the next block's timestamp on by `seconds`, and mines it. */
  increaseTime(seconds: number): Promise<void>;
  /** Stops anvil and removes its data folder. */
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startDevnet(): Promise<Devnet> {
  const dataDir = mkdtempSync(join(tmpdir(), "cairn-devnet-"));
  const rpcPort = await freePort();
  let running: RunningChain | undefined;
  try {
    running = await startChain({ engine: "anvil", automine: true, rpcPort, dataDir });
    const rpcUrl = running.rpcUrls[0] as string;
    const chain = defineChain({
      id: DEVNET_CHAIN_ID,
      name: "Cairn test devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    const testClient = createTestClient({ chain, mode: "anvil", transport: http(rpcUrl) });

    const deployment = await deployCairn({ rpcUrl, writeFiles: false, deploymentId: `node-test-${rpcPort}` });
    const contracts = deployment.contracts as Devnet["contracts"];
    const chainToStop = running;
    return {
      rpcUrl,
      chain,
      contracts,
      // cacheTime 0: viem otherwise answers getBlockNumber from a 4 s cache, and tests mine.
      publicClient: createPublicClient({ chain, transport: http(rpcUrl), cacheTime: 0 }),
      account: (role) => privateKeyToAccount(devAccount(role).privateKey as Hex),
      mine: (blocks) => testClient.mine({ blocks }),
      increaseTime: async (seconds) => {
        await testClient.increaseTime({ seconds });
        await testClient.mine({ blocks: 1 });
      },
      stop: async () => {
        await chainToStop.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
