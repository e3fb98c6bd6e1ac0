/** The file in the data folder holding the generated API token when `api.token` is unset. */
export const API_TOKEN_FILE = "api-token";

/** The token file is a secret: owner read/write only. */
export const API_TOKEN_FILE_MODE = 0o600;

/** Signals that stop a node started by `runUntilSignal`. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
