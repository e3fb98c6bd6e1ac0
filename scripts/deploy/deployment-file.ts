/**
 * deployments/<chainId>.json: where each contract lives on a chain and the block it was
 * deployed at (the subgraph and the nodes' chain watchers start reading there).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic-write.ts";
import { DEPLOYMENTS_DIR } from "../lib/paths.ts";

export interface DeployedContractInfo {
  address: `0x${string}`;
  blockNumber: number;
}

export interface DeploymentFile {
  chainId: number;
  deployedAt: string;
  contracts: Record<string, DeployedContractInfo>;
}

export function deploymentPath(chainId: number, dir = DEPLOYMENTS_DIR): string {
  return join(dir, `${chainId}.json`);
}

export function writeDeployment(deployment: DeploymentFile, dir = DEPLOYMENTS_DIR): string {
  const path = deploymentPath(deployment.chainId, dir);
  writeFileAtomic(path, `${JSON.stringify(deployment, null, 2)}\n`);
  return path;
}

/** Every deployment file in `dir`, checked enough that a hand-edited one fails clearly. */
export function readDeployments(dir = DEPLOYMENTS_DIR): DeploymentFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+\.json$/.test(name))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<DeploymentFile>;
      if (typeof parsed.chainId !== "number" || `${parsed.chainId}.json` !== name) {
        throw new Error(`${path}: "chainId" must be a number matching the file name`);
      }
      for (const [contract, info] of Object.entries(parsed.contracts ?? {})) {
        if (!/^0x[0-9a-fA-F]{40}$/.test(info.address ?? "")) {
          throw new Error(`${path}: contracts.${contract}.address is not an address`);
        }
        if (!Number.isSafeInteger(info.blockNumber) || info.blockNumber < 0) {
          throw new Error(`${path}: contracts.${contract}.blockNumber is not a block number`);
        }
      }
      return parsed as DeploymentFile;
    });
}
