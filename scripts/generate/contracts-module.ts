/**
 * Writes node/src/generated/contracts.ts: the ABI of every deployed contract (`as const`,
 * so viem infers types), each chain's addresses and deploy blocks, and the EIP-712
 * `Voucher` type with a builder for its domain. node, web, subgraph and scripts import
 * them from there, never from a copy.
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

/** The EIP-712 domain of PaymentChannels vouchers; the contract's constructor uses the same. */
export const VOUCHER_DOMAIN_NAME = "Cairn PaymentChannels";
export const VOUCHER_DOMAIN_VERSION = "1";
/** `Voucher(bytes32 channelId,uint256 cumulativeAmount)`, as viem's `signTypedData` takes it. */
export const VOUCHER_TYPES = {
  Voucher: [
    { name: "channelId", type: "bytes32" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
} as const;

const VOUCHER_SECTION = `/** PaymentChannels' EIP-712 voucher type, for viem's signTypedData / verifyTypedData. */
export const voucherTypes = ${JSON.stringify(VOUCHER_TYPES, null, 2)} as const;

/** The EIP-712 domain of the PaymentChannels contract at \`verifyingContract\` on \`chainId\`. */
export function voucherDomain(chainId: number, verifyingContract: \`0x\${string}\`) {
  return {
    name: ${JSON.stringify(VOUCHER_DOMAIN_NAME)},
    version: ${JSON.stringify(VOUCHER_DOMAIN_VERSION)},
    chainId,
    verifyingContract,
  } as const;
}
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
  sections.push(VOUCHER_SECTION);

  // A deployment file written before a contract was renamed or removed may name contracts
  // this module no longer has; only the current ones are kept (a stale file then lists none).
  const known = new Set<string>(DEPLOYED_CONTRACTS);
  const byChain = Object.fromEntries(
    readDeployments().map((d) => [
      d.chainId,
      Object.fromEntries(Object.entries(d.contracts).filter(([name]) => known.has(name))),
    ]),
  );
  sections.push(
    // Typed by shape, not by the chains listed: a fresh clone lists none until the first
    // deploy, and code that reads a chain's deployment must handle its absence either way.
    `/** A contract's address on a chain, and the block it was deployed at. */\nexport interface ContractDeployment {\n  address: \`0x\${string}\`;\n  blockNumber: number;\n}\n\n/** Where each contract lives, per chain id (as a string key), from deployments/<chainId>.json. */\nexport const deployments: Readonly<Record<string, Readonly<Record<ContractName, ContractDeployment>>>> = ${JSON.stringify(
      byChain,
      null,
      2,
    )};\n`,
  );
  writeFileAtomic(outFile, sections.join("\n"));
  return outFile;
}
