/**
 * The deploy pipeline: run the Ignition module against a chain, record where each
 * contract landed in deployments/<chainId>.json, and regenerate the TypeScript module
 * that every package imports its ABIs and addresses from.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import hre from "hardhat";
import type { PublicClient } from "viem";
import CairnModule, { DEPLOYED_CONTRACTS } from "./ignition/CairnModule.ts";
import { writeDeployment, type DeploymentFile } from "./deployment-file.ts";
import { generateContractsModule } from "../generate/contracts-module.ts";
import { DEFAULT_RPC_URL } from "../lib/dev-accounts.ts";

export interface DeployOptions {
  /** JSON-RPC URL of the chain. @default the devnet's, http://127.0.0.1:8545 */
  rpcUrl?: string;
  /** Write deployments/<chainId>.json and regenerate the module. @default true */
  writeFiles?: boolean;
  /**
   * Names Ignition's journal under .cairn/ignition/deployments/. A second chain with the
   * same chain id (a test's) needs its own, or it would drop the devnet's as stale.
   * @default `chain-<chainId>`
   */
  deploymentId?: string;
  log?: (line: string) => void;
}

export async function deployCairn(options: DeployOptions = {}): Promise<DeploymentFile> {
  const { rpcUrl = DEFAULT_RPC_URL, writeFiles = true, log = () => {} } = options;
  const connection = await hre.network.create({ network: "devnet", override: { url: rpcUrl } });
  try {
    const publicClient = (await connection.viem.getPublicClient()) as PublicClient;
    const chainId = await publicClient.getChainId();
    const deploymentId = options.deploymentId ?? `chain-${chainId}`;
    await dropStaleJournal(publicClient, join(hre.config.paths.ignition, "deployments", deploymentId), log);

    log(`deploying ${DEPLOYED_CONTRACTS.join(", ")} to chain ${chainId} at ${rpcUrl}`);
    const deployed = await connection.ignition.deploy(CairnModule, { deploymentId, displayUi: false });

    const contracts: DeploymentFile["contracts"] = {};
    for (const name of DEPLOYED_CONTRACTS) {
      const { address } = deployed[name];
      contracts[name] = { address, blockNumber: await findDeploymentBlock(publicClient, address) };
      log(`${name} at ${address} (block ${contracts[name].blockNumber})`);
    }
    const deployment: DeploymentFile = { chainId, deployedAt: new Date().toISOString(), contracts };
    if (writeFiles) {
      log(`wrote ${writeDeployment(deployment)}`);
      log(`wrote ${await generateContractsModule()}`);
    }
    return deployment;
  } finally {
    await connection.close();
  }
}

/**
 * A devnet starts from genesis each time, so an Ignition journal from an earlier run
 * points at contracts that no longer exist. Such a journal is dropped; a journal whose
 * contracts are all on-chain is kept, and Ignition resumes from it.
 */
async function dropStaleJournal(client: PublicClient, journalDir: string, log: (line: string) => void) {
  const addressesFile = join(journalDir, "deployed_addresses.json");
  if (!existsSync(journalDir)) return;
  const addresses = existsSync(addressesFile)
    ? Object.values(JSON.parse(readFileSync(addressesFile, "utf8")) as Record<string, `0x${string}`>)
    : [];
  const codes = await Promise.all(addresses.map((address) => client.getCode({ address })));
  if (addresses.length === 0 || codes.some((code) => code === undefined || code === "0x")) {
    log(`dropping the stale Ignition journal ${journalDir} (its contracts are not on this chain)`);
    rmSync(journalDir, { recursive: true, force: true });
  }
}

/** The first block at which `address` has code: a binary search, O(log n) calls. */
async function findDeploymentBlock(client: PublicClient, address: `0x${string}`): Promise<number> {
  const hasCode = async (blockNumber: bigint) => {
    const code = await client.getCode({ address, blockNumber });
    return code !== undefined && code !== "0x";
  };
  let low = 0n;
  let high = await client.getBlockNumber();
  if (!(await hasCode(high))) throw new Error(`no code at ${address} in the latest block`);
  while (low < high) {
    const middle = (low + high) / 2n;
    if (await hasCode(middle)) high = middle;
    else low = middle + 1n;
  }
  return Number(low);
}
