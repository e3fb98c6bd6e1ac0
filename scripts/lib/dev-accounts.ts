/**
 * The dev accounts prefunded in genesis/genesis.json. Their keys are public: they are
 * for the local devnet only (see the warning in genesis/dev-accounts.json).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CHAIN_ID = 98765;
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

export type DevRole =
  | "deployer"
  | "validator"
  | `provider${1 | 2 | 3 | 4 | 5 | 6}`
  | `client${1 | 2}`
  | `sealer${1 | 2 | 3}`;

export interface DevAccount {
  role: DevRole;
  address: `0x${string}`;
  privateKey: `0x${string}`;
}

const readGenesisFile = <T>(name: string): T =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../genesis/${name}`, import.meta.url)), "utf8")) as T;

const parsed = readGenesisFile<{ accounts: DevAccount[] }>("dev-accounts.json");
const genesis = readGenesisFile<{ alloc: Record<string, { balance: string }> }>("genesis.json");

/** Every dev account, deployer first, in the order of genesis/dev-accounts.json. */
export const devAccounts: readonly DevAccount[] = parsed.accounts;

export function devAccount(role: DevRole): DevAccount {
  const account = devAccounts.find((a) => a.role === role);
  if (account === undefined) throw new Error(`genesis/dev-accounts.json has no "${role}" account`);
  return account;
}

/** The balance genesis/genesis.json gives `address`, so Hardhat's chain starts the same. */
export function genesisBalance(address: string): bigint {
  const entry = genesis.alloc[address.toLowerCase().replace(/^0x/, "")];
  return entry === undefined ? 0n : BigInt(entry.balance);
}
