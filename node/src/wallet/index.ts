/**
 * The node's wallet: its Ethereum key, kept in an encrypted JSON keystore (scrypt, the
 * Web3 Secret Storage format geth and ethers use) and exposed to the rest of the node as
 * a viem `LocalAccount`. The keystore is created on first start and unlocked with a
 * passphrase from CAIRN_WALLET_PASSPHRASE, `wallet.passphraseFile`, or a prompt.
 * On the devnet (chain 98765) a genesis dev account can stand in, when asked for
 * explicitly with `wallet.devAccount`.
 *
 * Not a Startable: unlocking is a one-shot step of `cairn start`, with nothing to stop.
 */
import type { Address, LocalAccount } from "viem";
import type { Logger } from "../logging/index.ts";
import { loadNodeWallet } from "./node-wallet.ts";
import type { PassphrasePrompt } from "./prompt.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { canPrompt, type PassphrasePrompt, ttyPrompt } from "./prompt.ts";

export interface WalletInit {
  /** The keystore file, normally `<dataDir>/keystore.json`. Created when missing. */
  keystorePath: string;
  /** The chain the node runs on; a dev account is refused unless it is DEV_CHAIN_ID. */
  chainId: number;
  /** A role from genesis/dev-accounts.json (e.g. "provider1") to use instead of the keystore. */
  devAccount?: string;
  /** A file holding the passphrase (one trailing newline ignored), used when the env var is unset. */
  passphraseFile?: string;
  /** scrypt N for a new keystore. @default DEFAULT_SCRYPT_N (2^17) */
  scryptN?: number;
  /** @default DEFAULT_DEV_ACCOUNTS_PATH (the repository's genesis/dev-accounts.json) */
  devAccountsPath?: string;
  /** Where CAIRN_WALLET_PASSPHRASE is read from. @default process.env */
  env?: Record<string, string | undefined>;
}

export interface WalletComponents {
  /** @default logger("wallet") */
  logger?: Logger;
  /**
   * Asks for the passphrase when neither the env var nor a file gives it; `false` never asks.
   * @default a no-echo terminal prompt when stdin and stderr are TTYs, otherwise none
   */
  prompt?: PassphrasePrompt | false;
}

export interface NodeWallet {
  /** Signs transactions, messages and EIP-712 vouchers; hand it to viem's wallet client. */
  account: LocalAccount;
  address: Address;
  /** `created` on the first start, `keystore` afterwards, `dev` for a genesis dev account. */
  source: "created" | "keystore" | "dev";
  keystorePath?: string;
}

export function createNodeWallet(components: WalletComponents, init: WalletInit): Promise<NodeWallet> {
  return loadNodeWallet(components, init);
}
