/**
 * Serves genesis/dev-accounts.json to the dev-account wallet, through the repository's own
 * loader, and only when the dApp runs against the local devnet (NEXT_PUBLIC_CAIRN_DEVNET).
 * The keys are public genesis keys; they are still kept out of the JavaScript bundle.
 */
import { loadDevAccounts } from "../../../../../scripts/lib/dev-accounts.ts";
import { CAIRN_CHAIN_ID } from "../../../chain.ts";
import { config } from "../../../config.ts";

export const dynamic = "force-dynamic";

export function GET(): Response {
  if (!config.devnet)
    return Response.json({ error: "dev accounts are for the local devnet only" }, { status: 404 });
  const { chainId, accounts } = loadDevAccounts();
  if (chainId !== CAIRN_CHAIN_ID)
    return Response.json({ error: `dev accounts are for chain ${chainId}` }, { status: 404 });
  return Response.json({ chainId, accounts });
}
