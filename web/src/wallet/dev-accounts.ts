/**
 * The genesis dev accounts, fetched from the dApp's own server (app/api/dev-accounts),
 * which reads genesis/dev-accounts.json. They are never bundled into the app, and the
 * server only serves them when the devnet flag is on.
 */
import type { Hex } from "viem";

export interface DevAccount {
  /** deployer, validator, provider1..6, client1..2, sealer1..3 */
  role: string;
  address: Hex;
  privateKey: Hex;
}

export const DEV_ACCOUNTS_PATH = "/api/dev-accounts";

export async function fetchDevAccounts(): Promise<DevAccount[]> {
  const response = await fetch(DEV_ACCOUNTS_PATH);
  if (!response.ok) throw new Error(`dev accounts unavailable (${response.status})`);
  const body = (await response.json()) as { accounts: DevAccount[] };
  return body.accounts;
}
