/**
 * Node's side of the upload pipeline: the core's `uploadData`, with stripes encoded in
 * worker threads so erasure coding and slot trees run on the second core while the main
 * thread chunks, hashes leaves and stores blocks (benchmarks.md: in series the pipeline
 * reaches about 0.04x SHA-256 throughput; the bar is 0.06x).
 *
 * Node-only (worker_threads); the browser uses the core's in-thread encoder.
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  type ByteSource,
  type EncodedStripe,
  type KnownBlocks,
  type StripeEncoder,
  type StripeParams,
  type UploadOptions,
  type UploadResult,
  uploadData,
} from "../core/index.ts";
import type { StripeReply, StripeRequest } from "./stripe-worker.ts";

/** Worker threads by default: both cores (the main thread's share is light). */
export const DEFAULT_STRIPE_WORKERS = 2;
/** Stripes in flight by default: two per worker keeps each busy while the next fills. */
export const DEFAULT_STRIPES_IN_FLIGHT_PER_WORKER = 2;

/** The worker's module: a .ts file beside this one in src/, a .js file once compiled (dist/). */
const STRIPE_WORKER_URL = new URL(
  `./stripe-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

/** A stripe encoder failed in its worker; `name` is the original error's. */
export class StripeWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface WorkerStripeEncoderInit {
  /** @default DEFAULT_STRIPE_WORKERS */
  workers?: number;
}

interface Pending {
  resolve(stripe: EncodedStripe): void;
  reject(err: Error): void;
}

/** A `StripeEncoder` over worker threads; `close()` ends them. */
export function createWorkerStripeEncoder(init: WorkerStripeEncoderInit = {}): StripeEncoder {
  const count = init.workers ?? DEFAULT_STRIPE_WORKERS;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`workers must be ≥ 1, got ${count}`);
  const pending = new Map<number, Pending>();
  let nextId = 0;
  /** Set once a worker dies: later stripes fail at once instead of waiting forever. */
  let failure: Error | undefined;
  let closing = false;
  const fail = (err: Error) => {
    failure ??= err;
    for (const waiting of pending.values()) waiting.reject(err);
    pending.clear();
  };
  const workers = Array.from({ length: count }, () => {
    const worker = new Worker(STRIPE_WORKER_URL);
    worker.on("message", (reply: StripeReply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if ("error" in reply) waiting.reject(new StripeWorkerError(reply.error.name, reply.error.message));
      else waiting.resolve(reply);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!closing)
        fail(new StripeWorkerError("StripeWorkerExited", `stripe worker exited with code ${code}`));
    });
    return worker;
  });

  return {
    encode(data: Uint8Array, params: StripeParams, known?: KnownBlocks): Promise<EncodedStripe> {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      const worker = workers[id % workers.length];
      if (!worker) return Promise.reject(new Error("no stripe worker"));
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // A view into a larger buffer cannot be transferred; copy it out first.
        const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
        const request: StripeRequest = { id, data: own, params, known };
        worker.postMessage(request, [own.buffer as ArrayBuffer]);
      });
    },
    async close() {
      closing = true;
      fail(new StripeWorkerError("StripeEncoderClosed", "the stripe encoder is closed"));
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

export interface NodeUploadOptions extends UploadOptions {
  /** Worker threads for stripes (ignored when `stripeEncoder` is given). */
  workers?: number;
}

/** `uploadData` with stripes encoded in worker threads. */
export async function uploadDataNode(source: ByteSource, options: NodeUploadOptions): Promise<UploadResult> {
  if (options.stripeEncoder || !options.erasure) return uploadData(source, options);
  const workers = options.workers ?? DEFAULT_STRIPE_WORKERS;
  const encoder = createWorkerStripeEncoder({ workers });
  try {
    return await uploadData(source, {
      ...options,
      stripeEncoder: encoder,
      maxStripesInFlight: options.maxStripesInFlight ?? workers * DEFAULT_STRIPES_IN_FLIGHT_PER_WORKER,
    });
  } finally {
    await encoder.close?.();
  }
}
