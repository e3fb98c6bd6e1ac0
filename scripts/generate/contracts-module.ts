/**
 * Writes node/src/generated/contracts.ts: the ABI of every deployed contract (`as const`,
 * so viem infers types) and each chain's addresses and deploy blocks. node, web,
 * subgraph and scripts import ABIs and addresses from there, never from a copy.
 */
import hre from "hardhat";
import { DEPLOYED_CONTRACTS } from "../deploy/ignition/CairnModule.ts";
import { readDeployments } from "../deploy/deployment-file.ts";
import { writeFileAtomic } from "../lib/atomic-write.ts";
import { GENERATED_CONTRACTS_MODULE } from "../lib/paths.ts";

const HEADER = `// GENERATED FILE, DO NOT EDIT.
// Written by scripts/generate/contracts-module.ts from the compiled contracts (artifacts/)
// and deployments/<chainId>.json. Regenerate with \`npm run generate\`.
`;

const abiConstName = (contract: string) => `${contract.charAt(0).toLowerCase()}${contract.slice(1)}Abi`;

export async function generateContractsModule(outFile = GENERATED_CONTRACTS_MODULE): Promise<string> {
  const sections: string[] = [HEADER];
  for (const contract of DEPLOYED_CONTRACTS) {
    const { abi } = await hre.artifacts.readArtifact(contract);
    sections.push(`export const ${abiConstName(contract)} = ${JSON.stringify(abi, null, 2)} as const;\n`);
  }
  sections.push(
    `/** Every deployed contract's ABI, by contract name. */\nexport const abis = {\n${DEPLOYED_CONTRACTS.map(
      (c) => `  ${c}: ${abiConstName(c)},`,
    ).join("\n")}\n} as const;\n`,
  );
  sections.push(`export type ContractName = keyof typeof abis;\n`);

  const byChain = Object.fromEntries(readDeployments().map((d) => [d.chainId, d.contracts]));
  sections.push(
    `/** Where each contract lives, per chain id, and the block it was deployed at. */\nexport const deployments = ${JSON.stringify(
      byChain,
      null,
      2,
    )} as const satisfies Record<number, Partial<Record<ContractName, { address: \`0x\${string}\`; blockNumber: number }>>>;\n`,
  );
  writeFileAtomic(outFile, sections.join("\n"));
  return outFile;
}
