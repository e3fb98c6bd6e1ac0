/// <reference lib="webworker" />
/**
 * The encode worker: erasure coding, slot trees and the manifest run here, off the page's
 * thread, so the page keeps drawing progress. One request per worker.
 */
import { encodeDataset } from "./encode-dataset.ts";
import type { EncodeMessage, EncodeRequest } from "./encode-messages.ts";

const post = (message: EncodeMessage, transfer: Transferable[] = []) => self.postMessage(message, transfer);

self.onmessage = async (event: MessageEvent<EncodeRequest>) => {
  try {
    const dataset = await encodeDataset(event.data, (progress) => post({ type: "progress", ...progress }));
    // Hand the slot buffers over instead of copying them.
    post(
      { type: "done", dataset },
      dataset.slots.map((slot) => slot.buffer as ArrayBuffer),
    );
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
};
