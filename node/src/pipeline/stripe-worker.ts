/**
 * Worker-thread entry that encodes stripes for `createWorkerStripeEncoder` (index.ts): the
 * core's `encodeStripe` with Node's native SHA-256 for block digests. Buffers move in and
 * out by transfer, not copy.
 */
import { hash } from "node:crypto";
import { parentPort } from "node:worker_threads";
// Narrow imports: a worker loads only what encoding needs, so it starts fast.
import { createErasureCodec } from "../core/erasure/index.ts";
import { createCellHasher } from "../core/hash/index.ts";
import { encodeStripe, type KnownBlocks, type StripeParams } from "../core/stripes.ts";

export interface StripeRequest {
  id: number;
  data: Uint8Array;
  params: StripeParams;
  known?: KnownBlocks;
}

export type StripeReply =
  | { id: number; data: Uint8Array; parity: Uint8Array; blockRoots: Uint8Array; digests: Uint8Array }
  | { id: number; error: { name: string; message: string } };

const port = parentPort;
if (!port) throw new Error("stripe-worker.ts runs only as a worker thread");

const codec = await createErasureCodec();
const hasher = await createCellHasher();
const digest = (block: Uint8Array) => hash("sha256", block, "buffer");

port.on("message", async ({ id, data, params, known }: StripeRequest) => {
  try {
    const done = await encodeStripe(codec, hasher, data, params, digest, known);
    const reply: StripeReply = { id, ...done };
    port.postMessage(reply, [
      done.data.buffer,
      done.parity.buffer,
      done.blockRoots.buffer,
      done.digests.buffer,
    ] as ArrayBuffer[]);
  } catch (err) {
    const error =
      err instanceof Error
        ? { name: err.name, message: err.message }
        : { name: "Error", message: String(err) };
    port.postMessage({ id, error } satisfies StripeReply);
  }
});
