import { open, readFile } from "node:fs/promises";
import { CliError, UsageError } from "./errors.ts";

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** Writes a new key as 64 hex characters, mode 0600; refuses to replace an existing file. */
export async function writeKeyFile(path: string, key: Uint8Array): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new CliError(`${path} exists; choose another --key-file (a key is never overwritten)`);
    }
    throw err;
  }
  try {
    await handle.writeFile(`${Buffer.from(key).toString("hex")}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function readKeyFile(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = (await readFile(path, "utf8")).trim();
  } catch (err) {
    throw new UsageError(
      `--key-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (!HEX_KEY.test(text)) throw new UsageError(`--key-file ${path} does not hold a 64-hex-character key`);
  return Uint8Array.from(Buffer.from(text, "hex"));
}
