/**
 * Where the contracts are: a deployments/<chainId>.json file written by `npm run deploy`
 * (`chain.deploymentFile`), read and checked at start, so a node follows the deployment
 * its operator points it at rather than the one baked in when the module was generated.
 */
import { readFileSync } from "node:fs";
import { getAddress, isAddress } from "viem";
import type { ContractDeployment } from "../chain/index.ts";
import type { ContractName } from "../generated/contracts.ts";
import { DeploymentFileError } from "./errors.ts";

const NAMES: readonly ContractName[] = ["ProviderRegistry", "StorageMarket", "PaymentChannels"];

export function readDeploymentFile(path: string, chainId: number): Record<ContractName, ContractDeployment> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new DeploymentFileError(`${path}: cannot read it as JSON (${(err as Error).message})`);
  }
  const file = parsed as {
    chainId?: unknown;
    contracts?: Record<string, { address?: unknown; blockNumber?: unknown }>;
  };
  if (file.chainId !== chainId) {
    throw new DeploymentFileError(
      `${path}: is for chain ${String(file.chainId)}, but the node is set to chain ${chainId}`,
    );
  }
  const out = {} as Record<ContractName, ContractDeployment>;
  for (const name of NAMES) {
    const entry = file.contracts?.[name];
    if (typeof entry?.address !== "string" || !isAddress(entry.address)) {
      throw new DeploymentFileError(`${path}: contracts.${name}.address must be an address`);
    }
    if (
      typeof entry.blockNumber !== "number" ||
      !Number.isSafeInteger(entry.blockNumber) ||
      entry.blockNumber < 0
    ) {
      throw new DeploymentFileError(`${path}: contracts.${name}.blockNumber must be a block number`);
    }
    out[name] = { address: getAddress(entry.address), blockNumber: entry.blockNumber };
  }
  return out;
}
