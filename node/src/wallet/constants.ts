import { fileURLToPath, pathToFileURL } from "node:url";
import { NODE_PACKAGE_JSON } from "../utils/package-json.ts";

/** The only chain on which a dev account from genesis may be used. */
export const DEV_CHAIN_ID = 98765;

/** The environment variable that unlocks the keystore. */
export const PASSPHRASE_ENV = "CAIRN_WALLET_PASSPHRASE";

/** Shortest passphrase accepted when creating a keystore. */
export const MIN_PASSPHRASE_LENGTH = 8;

/** scrypt cost for new keystores: ethers' and geth's default (about 0.6 s here). */
export const DEFAULT_SCRYPT_N = 2 ** 17;

/** The keystore holds the node's private key: owner read/write only. */
export const KEYSTORE_FILE_MODE = 0o600;
export const KEYSTORE_DIR_MODE = 0o700;

/** The repository's dev accounts (public keys for the local devnet only). */
export const DEFAULT_DEV_ACCOUNTS_PATH = fileURLToPath(
  new URL("../genesis/dev-accounts.json", pathToFileURL(NODE_PACKAGE_JSON)),
);
