/**
 * Folder fsyncs put off to the end of a batch of puts.
 *
 * Why: a put makes its block's name durable with an fsync of the block's folder (three file
 * operations: open, fsync, close). An upload writes thousands of blocks into the store's
 * 1024 folders, so most folders are synced many times over within one upload. When a
 * caller acknowledges the whole batch at once (an upload answers after its last block),
 * syncing each folder the batch touched once, before that answer, gives the same guarantee
 * with far fewer operations.
 *
 * What is durable when: a block put with a batch is complete and readable as soon as its
 * put resolves, and survives a crash of the process (the rename is in the kernel); it
 * survives a power loss once `commit()` has resolved. So a caller must not acknowledge a
 * block to anyone before the batch holding it is committed.
 */
import { open } from "node:fs/promises";

/** Folder fsyncs run at once in `commit()`: enough to keep libuv's threads busy. */
const COMMIT_CONCURRENCY = 8;

/** fsync a folder, which makes the names created or removed in it durable. */
export async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FolderSyncBatch {
  readonly #pending = new Set<string>();

  /** Folders whose fsync is still owed. */
  get size(): number {
    return this.#pending.size;
  }

  /** Records that `folder` has names that must be made durable before the batch commits. */
  add(folder: string): void {
    this.#pending.add(folder);
  }

  /**
   * fsyncs every folder added so far. On a failure the folders not yet synced stay
   * pending, so a retried commit still covers them.
   */
  async commit(): Promise<void> {
    const folders = [...this.#pending];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < folders.length) {
        const folder = folders[next++] as string;
        await syncFolder(folder);
        this.#pending.delete(folder);
      }
    };
    await Promise.all(Array.from({ length: Math.min(COMMIT_CONCURRENCY, folders.length) }, worker));
  }
}
