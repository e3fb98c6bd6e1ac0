import { open, readFile, rename, stat, unlink } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { decryptKeystoreJson, encryptKeystoreJson, isKeystoreJson } from "ethers";
import type { Address, Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Logger } from "../logging/index.ts";
import { logger as defaultLogger } from "../logging/index.ts";
import {
  DEFAULT_DEV_ACCOUNTS_PATH,
  DEFAULT_SCRYPT_N,
  DEV_CHAIN_ID,
  KEYSTORE_DIR_MODE,
  KEYSTORE_FILE_MODE,
  MIN_PASSPHRASE_LENGTH,
  PASSPHRASE_ENV,
} from "./constants.ts";
import {
  DevAccountNotAllowedError,
  DevAccountUnknownError,
  KeystoreInvalidError,
  WalletPassphraseIncorrectError,
  WalletPassphraseMismatchError,
  WalletPassphraseMissingError,
  WalletPassphraseTooShortError,
} from "./errors.ts";
import type { NodeWallet, WalletComponents, WalletInit } from "./index.ts";
import { canPrompt, type PassphrasePrompt, ttyPrompt } from "./prompt.ts";

interface DevAccounts {
  chainId: number;
  accounts: Array<{ role: string; address: string; privateKey: string }>;
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

async function loadDevAccount(init: WalletInit, role: string, log: Logger): Promise<NodeWallet> {
  if (init.chainId !== DEV_CHAIN_ID) {
    throw new DevAccountNotAllowedError(
      `wallet.devAccount ("${role}") is only allowed on the devnet (chain id ${DEV_CHAIN_ID}), but chain.id is ${init.chainId}`,
    );
  }
  const path = init.devAccountsPath ?? DEFAULT_DEV_ACCOUNTS_PATH;
  const file = JSON.parse(await readFile(path, "utf8")) as DevAccounts;
  if (file.chainId !== DEV_CHAIN_ID) {
    throw new DevAccountNotAllowedError(
      `${path} is for chain ${file.chainId}, not the devnet (${DEV_CHAIN_ID})`,
    );
  }
  const entry = file.accounts.find((a) => a.role === role);
  if (entry === undefined) {
    throw new DevAccountUnknownError(
      `no dev account with role "${role}" in ${path} (roles: ${file.accounts.map((a) => a.role).join(", ")})`,
    );
  }
  const account = privateKeyToAccount(entry.privateKey as Hex);
  log.warn(
    `!!! DEV MODE: the node signs with the PUBLIC dev account "${role}" (${account.address}) from ${basename(path)}. ` +
      `Its private key is published; this is only for the local devnet (chain ${DEV_CHAIN_ID}) !!!`,
    { role, address: account.address },
  );
  return { account, address: account.address, source: "dev" };
}

/** Writes the keystore atomically (temp file, fsync, rename, folder fsync) with mode 0600. */
async function writeKeystore(path: string, json: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: KEYSTORE_DIR_MODE });
  const temp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(temp, "wx", KEYSTORE_FILE_MODE);
  try {
    await handle.writeFile(json);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await handle.close();
  await rename(temp, path);
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

async function readKeystore(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
}

/**
 * Where the passphrase comes from, in order: the environment, a file
 * (`wallet.passphraseFile`, e.g. a systemd credential), then an interactive prompt.
 */
async function getPassphrase(
  init: WalletInit,
  prompt: PassphrasePrompt | undefined,
  creating: boolean,
): Promise<{ passphrase: string; from: string }> {
  const env = init.env ?? process.env;
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { passphrase: fromEnv, from: PASSPHRASE_ENV };
  if (init.passphraseFile !== undefined) {
    // One trailing newline is what `echo` and editors add; it is not part of the passphrase.
    const passphrase = (await readFile(init.passphraseFile, "utf8")).replace(/\r?\n$/, "");
    return { passphrase, from: init.passphraseFile };
  }
  if (prompt === undefined) {
    throw new WalletPassphraseMissingError(
      `the node wallet ${creating ? "needs a passphrase to create" : "is locked"} (${init.keystorePath}): ` +
        `set ${PASSPHRASE_ENV}, set wallet.passphraseFile, or run in a terminal to be asked`,
    );
  }
  if (!creating) return { passphrase: await prompt("Passphrase for the node wallet: "), from: "prompt" };
  const passphrase = await prompt("New passphrase for the node wallet: ");
  if ((await prompt("Repeat the passphrase: ")) !== passphrase) {
    throw new WalletPassphraseMismatchError("the two passphrases differ; nothing was created");
  }
  return { passphrase, from: "prompt" };
}

export async function loadNodeWallet(components: WalletComponents, init: WalletInit): Promise<NodeWallet> {
  const log = components.logger ?? defaultLogger("wallet");
  if (init.devAccount !== undefined) return loadDevAccount(init, init.devAccount, log);

  const prompt =
    components.prompt === false ? undefined : (components.prompt ?? (canPrompt() ? ttyPrompt : undefined));
  const path = init.keystorePath;
  const existing = await readKeystore(path);

  if (existing === undefined) {
    const { passphrase, from } = await getPassphrase(init, prompt, true);
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new WalletPassphraseTooShortError(
        `the passphrase from ${from} is too short to protect a new keystore (at least ${MIN_PASSPHRASE_LENGTH} characters)`,
      );
    }
    const privateKey = generatePrivateKey();
    const account = privateKeyToAccount(privateKey);
    const json = await encryptKeystoreJson({ address: account.address, privateKey }, passphrase, {
      scrypt: { N: init.scryptN ?? DEFAULT_SCRYPT_N },
    });
    await writeKeystore(path, json);
    log.info("created a new node wallet; back up the keystore and its passphrase", {
      address: account.address,
      keystore: path,
    });
    return { account, address: account.address, source: "created", keystorePath: path };
  }

  if (!isKeystoreJson(existing)) {
    throw new KeystoreInvalidError(`${path} is not an encrypted JSON keystore`);
  }
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    log.warn("the keystore is readable by other users; run chmod 600 on it", {
      keystore: path,
      mode: mode.toString(8),
    });
  }
  const { passphrase, from } = await getPassphrase(init, prompt, false);
  let privateKey: string;
  try {
    ({ privateKey } = await decryptKeystoreJson(existing, passphrase));
  } catch (err) {
    if ((err as { shortMessage?: unknown }).shortMessage === "incorrect password") {
      throw new WalletPassphraseIncorrectError(`the passphrase from ${from} does not unlock ${path}`);
    }
    throw new KeystoreInvalidError(`${path} could not be decrypted: ${String(err)}`, { cause: err });
  }
  const account: LocalAccount = privateKeyToAccount(privateKey as Hex);
  log.info("unlocked the node wallet", { address: account.address });
  return { account, address: account.address as Address, source: "keystore", keystorePath: path };
}
