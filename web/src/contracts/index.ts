/**
 * Typed handles on the deployed contracts: the generated ABI plus the address for a chain
 * id, both from @cairn/node/contracts (generated from the compiled contracts and
 * deployments/<chainId>.json; nothing is copied here).
 */
import { abis, type ContractName, deployments } from "@cairn/node/contracts";
import type { Address } from "viem";

export type { ContractName };

/** Thrown when the wallet's chain has no Cairn deployment; the UI offers a switch instead. */
export class UnsupportedChainError extends Error {
  override name = "UnsupportedChainError";
  readonly chainId: number;
  constructor(chainId: number) {
    super(`Cairn is not deployed on chain ${chainId}`);
    this.chainId = chainId;
  }
}

function deploymentOf(chainId: number) {
  const key = String(chainId);
  const deployment = Object.hasOwn(deployments, key) ? deployments[key] : undefined;
  if (deployment === undefined) throw new UnsupportedChainError(chainId);
  return deployment;
}

export function isDeployedChain(chainId: number): boolean {
  return Object.hasOwn(deployments, String(chainId));
}

/** The address and ABI of contract `name` on `chainId`, ready to spread into viem/wagmi calls. */
export function contractOf<N extends ContractName>(
  name: N,
  chainId: number,
): { address: Address; abi: (typeof abis)[N] } {
  return { address: deploymentOf(chainId)[name].address, abi: abis[name] };
}

/** The block each contract was deployed at, for log scans that need a start. */
export function deploymentBlock(name: ContractName, chainId: number): bigint {
  return BigInt(deploymentOf(chainId)[name].blockNumber);
}
