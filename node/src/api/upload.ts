/**
 * The streaming side of `POST /api/v1/data`: counts the request body against the upload
 * limit as it flows, checks pre-encrypted bodies for the Cairn encryption header, and runs
 * the node's upload pipeline into the block store. Nothing holds more than a few stripes.
 */
import type { CID } from "multiformats/cid";
import {
  type Block,
  ENCRYPTION_MAGIC,
  ENCRYPTION_VERSION,
  type UploadProgressEvent,
  type UploadResult,
} from "../core/index.ts";
import { uploadDataNode } from "../pipeline/index.ts";
import { type CairnBlockstore, createBlockWriter } from "../store/blocks/index.ts";
import { InvalidParameterApiError, PayloadTooLargeError } from "./errors.ts";

export interface StoreUploadOptions {
  limit: number;
  erasure?: { k: number; m: number };
  /** A key the client handed over for this upload only. */
  encryptionKey?: Uint8Array;
  /** The body is already ciphertext in the Cairn format (the client encrypted it). */
  preEncrypted: boolean;
  workers: number;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  onProgress?: (event: UploadProgressEvent) => void;
}

export interface StoredUpload {
  result: UploadResult;
  /** Every block the upload stored, for the dataset's block list. */
  blocks: Set<string>;
  /** Bytes of the request body. */
  received: number;
}

/** Counts bytes and stops at the limit; with `checkHeader`, refuses bodies not in the Cairn encryption format. */
async function* limited(
  source: AsyncIterable<Uint8Array>,
  limit: number,
  checkHeader: boolean,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  let head: Uint8Array | undefined = checkHeader ? new Uint8Array(0) : undefined;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > limit) throw new PayloadTooLargeError(limit);
    onBytes?.(chunk.byteLength);
    if (head !== undefined) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      if (joined.length < ENCRYPTION_MAGIC.length + 1) {
        head = joined;
        continue;
      }
      checkEncryptedHeader(joined);
      head = undefined;
      yield joined;
      continue;
    }
    yield chunk;
  }
  if (head !== undefined) checkEncryptedHeader(head);
}

function checkEncryptedHeader(bytes: Uint8Array): void {
  const magicOk = bytes.length > ENCRYPTION_MAGIC.length && ENCRYPTION_MAGIC.every((b, i) => bytes[i] === b);
  if (!magicOk || bytes[ENCRYPTION_MAGIC.length] !== ENCRYPTION_VERSION) {
    throw new InvalidParameterApiError(
      "encrypted",
      "encrypted=true, but the body does not start with the Cairn encryption header (CRNE, version 1)",
    );
  }
}

export async function storeUpload(
  source: AsyncIterable<Uint8Array>,
  blockstore: CairnBlockstore,
  options: StoreUploadOptions,
): Promise<StoredUpload> {
  let received = 0;
  const body = limited(source, options.limit, options.preEncrypted, (n) => {
    received += n;
    options.onBytes?.(n);
  });
  // Several durable puts run at once while the pipeline goes on (writer.ts); `onBlock`
  // only waits when they are all busy. The upload resolves after drain(), so every block,
  // the manifest included, is durable before the caller records the dataset and answers.
  const writer = createBlockWriter(blockstore, { signal: options.signal });
  const onBlock = (block: Block) => writer.write({ cid: block.cid as CID, bytes: block.bytes });
  try {
    const result = await uploadDataNode(body, {
      onBlock,
      onProgress: options.onProgress,
      erasure: options.erasure,
      encryptionKey: options.encryptionKey,
      workers: options.workers,
      signal: options.signal,
    });
    await writer.drain();
    return { result, blocks: writer.stored, received };
  } finally {
    // After a failure, let the puts already started finish before the caller moves on.
    await writer.settle();
  }
}
