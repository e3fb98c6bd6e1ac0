/** Name of the folder, under the store's root, that holds blocks being written. */
export const TEMP_DIR = ".tmp";

/**
 * Holds the pid of the process using the store. `start()` empties the temp folder, which
 * would destroy a second live process's writes in progress, so only one may use a store.
 */
export const LOCK_FILE = "LOCK";

/** Block files end with this; anything else in a shard folder is not a block. */
export const BLOCK_EXTENSION = ".data";

/**
 * Blocks are sharded by the two base32 characters before the last one of their key
 * (blockstore-fs's "next to last" scheme): 1024 folders, each with well under 10 000
 * files for a TiB of 256 KiB blocks. The very last character is skipped because it
 * carries only 2 bits of the digest.
 */
export const SHARD_CHARS = 2;

/**
 * The largest block accepted: bitswap's limit. UnixFS leaves are 256 KiB, so anything
 * near this is a mistake, and `get` holds one block in memory.
 */
export const DEFAULT_MAX_BLOCK_SIZE = 2 * 1024 * 1024;

/** How many blocks `putMany` writes at once; the fsyncs overlap in libuv's thread pool. */
export const DEFAULT_PUT_CONCURRENCY = 8;

/** multihash codes. */
export const SHA2_256_CODE = 0x12;
export const IDENTITY_CODE = 0x00;
