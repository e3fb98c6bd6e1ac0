/**
 * The genesis dev accounts, as global-setup.ts read them with the repository's loader
 * (scripts/lib/dev-accounts.ts). Handed over with `inject`, so test files in a browser-like
 * environment need not touch the file system.
 */
import { inject } from "vitest";
import type { DevAccount } from "../../src/wallet/dev-accounts.ts";

export function account(role: string): DevAccount {
  const found = inject("devAccounts").find((a) => a.role === role);
  if (found === undefined) throw new Error(`genesis/dev-accounts.json has no "${role}" account`);
  return found;
}
