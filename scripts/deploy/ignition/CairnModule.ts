/**
 * The one Ignition module that deploys Cairn's contracts. Until the market contracts
 * land, it deploys the Placeholder so the whole pipeline runs for real.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The contracts this module deploys; the generate step writes an ABI for each. */
export const DEPLOYED_CONTRACTS = ["Placeholder"] as const;
export type DeployedContract = (typeof DEPLOYED_CONTRACTS)[number];

export default buildModule("Cairn", (m) => {
  const placeholder = m.contract("Placeholder");
  return { Placeholder: placeholder };
});
