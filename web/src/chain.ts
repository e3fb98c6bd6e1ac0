/** The Cairn chain as viem and wagmi see it, defined from the generated deployments module. */
import { deployments } from "@cairn/node/contracts";
import { defineChain } from "viem";
import { config } from "./config.ts";

export const CAIRN_CHAIN_ID = 98765 as const;

// Absent until the first deploy on this checkout (`npm start` deploys, then serves the dApp).
const deployed = deployments[String(CAIRN_CHAIN_ID)];

export const cairnChain = defineChain({
  id: CAIRN_CHAIN_ID,
  name: "Cairn devnet",
  nativeCurrency: { name: "Cairn Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [config.rpcUrl] } },
  // Lets viem skip blocks before the market existed when it scans logs.
  contracts:
    deployed === undefined
      ? undefined
      : {
          storageMarket: {
            address: deployed.StorageMarket.address,
            blockCreated: deployed.StorageMarket.blockNumber,
          },
        },
  testnet: true,
});
