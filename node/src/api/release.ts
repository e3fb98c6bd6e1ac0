/**
 * Freeing a download's block buffers as soon as they are no longer needed.
 *
 * Why: each 256 KiB block read from disk is a fresh ArrayBuffer, and ipfs-unixfs-exporter
 * copies every block it reads, so the buffer is dead as soon as the copy is made. V8 frees
 * an ArrayBuffer's memory only when a GC collects the small JS object that owns it, and a
 * download makes little JS garbage per block, so GCs are rare: measured on a 256 MiB
 * download, over 100 MiB of dead buffers at once, which pushed the node's RSS past
 * 300 MiB. Detaching a buffer frees its memory at once.
 */
import type { CID } from "multiformats/cid";
import type { BlockReader } from "../core/index.ts";

/** `ArrayBuffer.prototype.transfer` (ES2024, in Node 22; the project's lib is ES2023). */
type Detachable = ArrayBuffer & { transfer(length?: number): ArrayBuffer };

const IDENTITY = 0x00;

/**
 * Wraps a block reader so that what it read can be released. Only buffers this reader
 * handed out are released, and only once: an identity CID's bytes are its digest, part
 * of the CID itself, so those are never owned.
 */
export function releasableReader(read: BlockReader): {
  read: BlockReader;
  release(bytes: Uint8Array): void;
} {
  const owned = new WeakSet<ArrayBufferLike>();
  return {
    async read(cid: CID) {
      const bytes = await read(cid);
      if (cid.multihash.code !== IDENTITY) owned.add(bytes.buffer);
      return bytes;
    },
    release(bytes) {
      const buffer = bytes.buffer;
      if (!owned.has(buffer)) return;
      owned.delete(buffer);
      (buffer as Detachable).transfer(0);
    },
  };
}
