/** No passphrase in the environment or a file, and no terminal to ask on. */
export class WalletPassphraseMissingError extends Error {
  override name = "WalletPassphraseMissingError" as const;
}

/** The passphrase does not decrypt the keystore. */
export class WalletPassphraseIncorrectError extends Error {
  override name = "WalletPassphraseIncorrectError" as const;
}

/** A new keystore's passphrase is shorter than MIN_PASSPHRASE_LENGTH. */
export class WalletPassphraseTooShortError extends Error {
  override name = "WalletPassphraseTooShortError" as const;
}

/** The two passphrases typed when creating a keystore differ. */
export class WalletPassphraseMismatchError extends Error {
  override name = "WalletPassphraseMismatchError" as const;
}

/** The user pressed Ctrl-C at the passphrase prompt. */
export class WalletPromptCancelledError extends Error {
  override name = "WalletPromptCancelledError" as const;
}

/** The keystore file is not a valid encrypted JSON keystore. */
export class KeystoreInvalidError extends Error {
  override name = "KeystoreInvalidError" as const;
}

/** A dev account was asked for on a chain other than the devnet. */
export class DevAccountNotAllowedError extends Error {
  override name = "DevAccountNotAllowedError" as const;
}

/** No dev account has the requested role. */
export class DevAccountUnknownError extends Error {
  override name = "DevAccountUnknownError" as const;
}
