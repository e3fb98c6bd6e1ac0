/**
 * Erasure-codes a file into slots with the node's isomorphic core: the same pipeline as the
 * node (UnixFS blocks → stripes → Reed-Solomon → slot trees → manifest), keeping the blocks
 * in memory so each slot's bytes can be handed to its provider. It runs inside the encode
 * worker; it is a plain function so unit tests can run it directly.
 */
import { BLOCK_SIZE, uploadData } from "@cairn/node/core";
import { bytesToHex } from "viem";
import type { EncodedDataset, EncodeRequest } from "./encode-messages.ts";

/** The picked file cannot be read any more: moved, deleted or changed on disk since it was picked. */
export class FileUnreadableError extends Error {
  override name = "FileUnreadableError";
}

/** Reads a Blob as 256 KiB pieces (the core re-chunks anyway; this bounds each read). */
async function* blobPieces(blob: Blob): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < blob.size; offset += BLOCK_SIZE) {
    let piece: ArrayBuffer;
    try {
      piece = await blob.slice(offset, offset + BLOCK_SIZE).arrayBuffer();
    } catch (error) {
      // A picked File is read from disk only now; the browser's own message for a file that
      // is gone ("A requested file or directory could not be found ...") does not say which.
      const name = (error as { name?: string }).name;
      if (name === "NotFoundError" || name === "NotReadableError")
        throw new FileUnreadableError(
          "the file could not be read: it was moved, deleted or changed since it was picked; pick it again",
          { cause: error },
        );
      throw error;
    }
    yield new Uint8Array(piece);
  }
}

export async function encodeDataset(
  request: EncodeRequest,
  onProgress: (progress: { bytes: number; stripes: number }) => void = () => {},
): Promise<EncodedDataset> {
  const blocks = new Map<string, Uint8Array>();
  let bytes = 0;
  let stripes = 0;
  const result = await uploadData(blobPieces(request.file), {
    onBlock: (block) => {
      blocks.set(block.cid.toString(), block.bytes);
    },
    erasure: { k: request.k, m: request.m },
    encryptionKey: request.key,
    onProgress: (event) => {
      if (event.type === "upload:bytes") bytes = event.detail.bytes;
      if (event.type === "upload:stripe") stripes = event.detail.stripes;
      onProgress({ bytes, stripes });
    },
  });
  const { manifest, manifestCid } = result;
  if (manifest === undefined || manifestCid === undefined) throw new Error("the core returned no manifest");
  const slotSize = manifest.stripes * manifest.blockSize;
  const slots = manifest.slots.map((slot) => {
    const out = new Uint8Array(slotSize);
    slot.blocks.forEach((cid, stripe) => {
      const block = blocks.get(cid.toString());
      if (block === undefined) throw new Error(`block ${cid} of a slot was never produced`);
      out.set(block, stripe * manifest.blockSize);
    });
    return out;
  });
  const manifestBytes = blocks.get(manifestCid.toString());
  if (manifestBytes === undefined) throw new Error("the manifest block was never produced");
  return {
    manifestCid: manifestCid.bytes,
    manifestBytes,
    slotRoots: manifest.slots.map((slot) => bytesToHex(slot.root)),
    slots,
    slotSize,
    storedSize: result.size,
    encrypted: result.encrypted,
  };
}
