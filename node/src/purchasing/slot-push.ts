/**
 * Pushes one slot's bytes to its provider: `POST {apiUrl}/api/v1/slots/{requestId}/{index}`
 * with the slot's blocks in stripe order as one streamed body (`slotSize` bytes). Blocks
 * are read from the block store one at a time as the provider takes them, so a slot of any
 * size costs one block of memory. The provider checks the bytes against the on-chain root
 * and fills the slot; any 2xx is taken as "received".
 */
import type { CID } from "multiformats/cid";
import type { Hex } from "viem";
import { SLOT_UPLOAD_PATH } from "./constants.ts";
import { SlotPushError } from "./errors.ts";

export interface SlotBlockReader {
  getBytes(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

export interface SlotPush {
  apiUrl: string;
  requestId: Hex;
  index: number;
  /** The slot's block CIDs, in stripe order (the manifest's `slots[index].blocks`). */
  blocks: readonly CID[];
  blockSize: number;
  signal?: AbortSignal;
  /** Bytes handed to the connection so far. */
  onBytes?: (sent: number, total: number) => void;
  timeoutMs: number;
}

/** The URL a slot is pushed to. */
export function slotUploadUrl(apiUrl: string, requestId: Hex, index: number): string {
  return `${apiUrl.replace(/\/$/, "")}${SLOT_UPLOAD_PATH}/${requestId}/${index}`;
}

export async function pushSlot(store: SlotBlockReader, push: SlotPush): Promise<void> {
  const total = push.blocks.length * push.blockSize;
  const timeout = AbortSignal.timeout(push.timeoutMs);
  const signal = push.signal === undefined ? timeout : AbortSignal.any([push.signal, timeout]);
  let sent = 0;
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const cid = push.blocks[next++];
      if (cid === undefined) {
        controller.close();
        return;
      }
      const bytes = await store.getBytes(cid, { signal });
      if (bytes.length !== push.blockSize) {
        controller.error(
          new SlotPushError(
            `block ${cid} of slot ${push.index} is ${bytes.length} B, not ${push.blockSize} B`,
          ),
        );
        return;
      }
      controller.enqueue(bytes);
      sent += bytes.length;
      push.onBytes?.(sent, total);
    },
  });
  const url = slotUploadUrl(push.apiUrl, push.requestId, push.index);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "content-length": String(total) },
      body,
      duplex: "half",
      signal,
    } as RequestInit);
  } catch (err) {
    throw new SlotPushError(
      `pushing slot ${push.index} to ${url} failed: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => "")).slice(0, 300);
    throw new SlotPushError(
      `${url} answered ${response.status}${text === "" ? "" : `: ${text}`}`,
      response.status,
    );
  }
  await response.body?.cancel();
}
