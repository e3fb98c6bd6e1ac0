/**
 * Hardhat 3 configuration for Cairn's contracts.
 *
 * - solc comes from the npm `solc` package (Hardhat cannot download compilers here),
 *   pinned to 0.8.28 and compiled for `paris`, because the Clique chain runs London
 *   rules and OpenZeppelin 5.5+ would emit Cancun opcodes (see docs/contracts.md).
 * - The in-process chain mirrors genesis/genesis.json: chainId 98765, London, and the
 *   same prefunded dev accounts, so tests, anvil and the Clique chain agree.
 */
import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { CHAIN_ID, devAccounts, DEFAULT_RPC_URL, genesisBalance } from "./scripts/lib/dev-accounts.ts";

const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.28";

const compiler = {
  version: SOLC_VERSION,
  path: require.resolve("solc/soljson.js"),
  settings: {
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
  },
};

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      default: compiler,
      production: compiler,
    },
  },
  paths: {
    sources: "./contracts",
    // Ignition's journals of devnet deployments are local state, like the chain data.
    ignition: "./.cairn/ignition",
    tests: {
      solidity: "./test/contracts",
      nodejs: "./test/contracts",
    },
  },
  // The devnets are Clique PoA (no reorgs with one sealer, and a few blocks at most with
  // several) or anvil; one confirmation keeps `npm start` quick.
  ignition: { requiredConfirmations: 1 },
  networks: {
    // Hardhat's in-process chain, used by every contract test.
    default: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: CHAIN_ID,
      hardfork: "london",
      accounts: devAccounts.map(({ address, privateKey }) => ({
        privateKey,
        balance: genesisBalance(address),
      })),
    },
    // The running devnet (Clique, anvil) started by `npm run chain` or `npm start`.
    devnet: {
      type: "http",
      chainType: "l1",
      chainId: CHAIN_ID,
      url: process.env.CAIRN_RPC_URL ?? DEFAULT_RPC_URL,
      accounts: devAccounts.map(({ privateKey }) => privateKey),
    },
  },
});
