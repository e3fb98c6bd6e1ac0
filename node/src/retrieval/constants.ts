/** ms a lookup may take to find the first providers and their copy of the root block. @default 30 s */
export const DEFAULT_FIND_TIMEOUT = 30_000;

/** Providers asked per retrieval. */
export const DEFAULT_MAX_PROVIDERS = 8;

/** ms to wait for a block at one provider before asking another. */
export const DEFAULT_RETRIEVAL_BLOCK_TIMEOUT = 15_000;

/** Data blocks of a dataset requested ahead of the reader (bounds memory: × blockSize). */
export const DEFAULT_READ_AHEAD_BLOCKS = 32;
