/**
 * The dev accounts of genesis/dev-accounts.json, prefunded in genesis/genesis.json. Their
 * keys are public: they are for the local devnet only (see the file's WARNING).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type Hex = `0x${string}`;

export const CHAIN_ID = 98765;
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
export const DEV_ACCOUNTS_FILE = fileURLToPath(new URL("../../genesis/dev-accounts.json", import.meta.url));
const GENESIS_FILE = fileURLToPath(new URL("../../genesis/genesis.json", import.meta.url));

export interface DevAccount {
  /** deployer, validator, provider1..6, client1..2, sealer1..3 */
  role: string;
  address: Hex;
  privateKey: Hex;
}

export interface DevAccounts {
  chainId: number;
  accounts: DevAccount[];
}

/** Reads and checks a dev-accounts file; an error names the file and the bad entry. */
export function loadDevAccounts(file: string = DEV_ACCOUNTS_FILE): DevAccounts {
  let data: { chainId?: unknown; accounts?: unknown };
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || !Array.isArray(data.accounts)) {
    throw new Error(`${file}: expected { chainId, accounts: [{ role, address, privateKey }] }`);
  }
  const accounts = (data.accounts as Partial<DevAccount>[]).map((account, i) => {
    if (
      typeof account?.role !== "string" ||
      !/^0x[0-9a-fA-F]{40}$/.test(account.address ?? "") ||
      !/^0x[0-9a-fA-F]{64}$/.test(account.privateKey ?? "")
    ) {
      throw new Error(`${file}: accounts[${i}] needs a role, a 20-byte address and a 32-byte 0x privateKey`);
    }
    return account as DevAccount;
  });
  return { chainId: Number(data.chainId), accounts };
}

/** Every dev account, deployer first, in the order of genesis/dev-accounts.json. */
export const devAccounts: readonly DevAccount[] = loadDevAccounts().accounts;

export function devAccount(role: string, accounts: readonly DevAccount[] = devAccounts): DevAccount {
  const account = accounts.find((a) => a.role === role);
  if (account === undefined) throw new Error(`${DEV_ACCOUNTS_FILE} has no "${role}" account`);
  return account;
}

/** sealer1, sealer2, ... in number order. */
export function devSealers(accounts: readonly DevAccount[] = devAccounts): DevAccount[] {
  return accounts
    .filter((a) => /^sealer\d+$/.test(a.role))
    .sort((a, b) => Number(a.role.slice(6)) - Number(b.role.slice(6)));
}

const genesisAlloc = (
  JSON.parse(readFileSync(GENESIS_FILE, "utf8")) as { alloc: Record<string, { balance: string }> }
).alloc;

/** The balance genesis/genesis.json gives `address`, so Hardhat's chain starts the same. */
export function genesisBalance(address: string): bigint {
  const entry = genesisAlloc[address.toLowerCase().replace(/^0x/, "")];
  return entry === undefined ? 0n : BigInt(entry.balance);
}
