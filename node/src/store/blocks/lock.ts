import { open, readFile, unlink } from "node:fs/promises";
import { BlockstoreLockedError } from "./errors.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes a pid lock file. A lock left by a dead process (after a crash) is taken over;
 * one held by a live process throws {@link BlockstoreLockedError}.
 */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx", 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        // Only remove our own lock, in case it was taken over after we were presumed dead.
        if ((await readFile(path, "utf8").catch(() => "")).trim() === String(process.pid)) {
          await unlink(path).catch(() => {});
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const pid = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new BlockstoreLockedError(
        `${path} is held by process ${pid}; only one node may use a data folder at a time ` +
          "(if that process is not a Cairn node, delete the file)",
      );
    }
    // Stale (its process is gone), ours from an earlier start, or half-written: take it over.
    await unlink(path).catch(() => {});
  }
  throw new BlockstoreLockedError(`could not take the lock ${path}`);
}
