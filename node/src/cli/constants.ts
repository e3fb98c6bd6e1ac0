/** Exit codes: success, a failure while working, and a usage error (bad flags or config). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The environment variables the client commands read. */
export const API_URL_ENV = "CAIRN_API_URL";
export const API_TOKEN_ENV = "CAIRN_API_TOKEN";

/** Progress redraws per second on a terminal, and the step of plain progress lines elsewhere. */
export const PROGRESS_REDRAW_MS = 100;
export const PROGRESS_LINE_STEP_PERCENT = 10;
/** Plain progress lines when the total is unknown: one per this many bytes. */
export const PROGRESS_LINE_STEP_BYTES = 64 * 1024 * 1024;

/**
 * k + m at most: the core's MAX_SHARDS, repeated so the CLI checks flags without loading
 * the erasure codec (test/cli checks the two agree; the node validates again anyway).
 */
export const MAX_SHARDS = 256;
