/** Environment variables that configure the node start with this. */
export const ENV_PREFIX = "CAIRN_";

/** Names the config file explicitly (the `--config` flag wins over it). */
export const CONFIG_ENV = "CAIRN_CONFIG";
export const CONFIG_FLAG = "config";

/** Looked for in the data folder when no config file is named. */
export const DEFAULT_CONFIG_FILE = "config.json";

/** CAIRN_* variables that are not config keys, so they raise no "unknown variable" warning. */
export const NON_CONFIG_ENV = new Set(["CAIRN_CONFIG", "CAIRN_WALLET_PASSPHRASE"]);
