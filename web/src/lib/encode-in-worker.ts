/** Runs encodeDataset in a Web Worker and reports its progress; resolves with the slots and roots. */
import type { EncodedDataset, EncodeMessage, EncodeRequest } from "../workers/encode-messages.ts";

export function encodeInWorker(
  request: EncodeRequest,
  onProgress: (progress: { bytes: number; stripes: number }) => void,
): Promise<EncodedDataset> {
  const worker = new Worker(new URL("../workers/encode.worker.ts", import.meta.url), { type: "module" });
  return new Promise<EncodedDataset>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<EncodeMessage>) => {
      const message = event.data;
      if (message.type === "progress") return onProgress(message);
      worker.terminate();
      if (message.type === "done") resolve(message.dataset);
      else reject(new Error(`encoding failed: ${message.message}`));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`the encode worker failed: ${event.message}`));
    };
    worker.postMessage(request);
  });
}
