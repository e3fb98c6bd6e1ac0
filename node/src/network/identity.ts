/**
 * The node's persistent libp2p identity: an Ed25519 key kept in `<dataDir>/p2p/peer.key`.
 * It is created on first start, written atomically with mode 0600, and never rotated
 * silently: a provider's peer id is what the on-chain registry matches it by.
 */
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { PEER_KEY_MODE } from "./constants.ts";
import { InvalidPeerKeyError, PeerKeyPermissionsError } from "./errors.ts";

export interface LoadPeerKeyResult {
  privateKey: PrivateKey;
  /** True when the key did not exist and was generated now. */
  created: boolean;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/** Reads the key at `path`, or creates one there when the file does not exist. */
export async function loadOrCreatePeerKey(path: string): Promise<LoadPeerKeyResult> {
  let bytes: Uint8Array | undefined;
  try {
    const info = await stat(path);
    // Group or world access to the key lets another user impersonate the node.
    if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
      throw new PeerKeyPermissionsError(
        `${path} has mode ${(info.mode & 0o777).toString(8)}; run chmod 600 ${path}`,
      );
    }
    bytes = await readFile(path);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  if (bytes !== undefined) {
    try {
      return { privateKey: privateKeyFromProtobuf(bytes), created: false };
    } catch (err) {
      throw new InvalidPeerKeyError(`${path} is not a libp2p private key`, { cause: err });
    }
  }
  const privateKey = await generateKeyPair("Ed25519");
  await writeKeyFile(path, privateKeyToProtobuf(privateKey));
  return { privateKey, created: true };
}

async function writeKeyFile(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, "wx", PEER_KEY_MODE);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  // The umask may have narrowed the mode further; it can never have widened it, but be exact.
  await chmod(tmp, PEER_KEY_MODE);
  await rename(tmp, path);
}
