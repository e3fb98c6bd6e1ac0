// Tests node/src/pipeline (the Node-only worker-thread wrapper of the core's pipeline).
// It sits here beside the core's own tests because it must give exactly the core's results.
import { describe, expect, it } from "vitest";
import { BLOCK_SIZE } from "../../src/core/slot-tree.ts";
import { createLocalStripeEncoder } from "../../src/core/stripes.ts";
import { uploadData } from "../../src/core/upload.ts";
import { createWorkerStripeEncoder, uploadDataNode } from "../../src/pipeline/index.ts";
import { pseudoRandom } from "./helpers.ts";

describe("the worker-thread pipeline", () => {
  it("gives the same manifest as the in-thread pipeline", { timeout: 60_000 }, async () => {
    for (const [size, k, m] of [
      [9 * BLOCK_SIZE + 77, 2, 1],
      [25 * BLOCK_SIZE, 10, 4],
      [0, 3, 2],
    ] as const) {
      const data = pseudoRandom(`workers-${size}`, size);
      const local = await uploadData([data], { onBlock: () => {}, erasure: { k, m } });
      const blocks: string[] = [];
      const threaded = await uploadDataNode([data], {
        onBlock: (block) => {
          blocks.push(block.cid.toString());
        },
        erasure: { k, m },
      });
      expect(threaded.manifestCid?.toString()).toBe(local.manifestCid?.toString());
      expect(blocks).toContain(threaded.manifestCid?.toString());
    }
  });

  it("encodes stripes byte for byte like the core", async () => {
    const params = { k: 4, m: 2, blockSize: BLOCK_SIZE, cellSize: 256 };
    const data = pseudoRandom("worker-stripe", 4 * BLOCK_SIZE);
    const expected = await (await createLocalStripeEncoder()).encode(data.slice(), params);
    const encoder = createWorkerStripeEncoder({ workers: 1 });
    try {
      const got = await encoder.encode(data.slice(), params);
      expect(Buffer.from(got.parity).equals(Buffer.from(expected.parity))).toBe(true);
      expect(got.blockRoots).toEqual(expected.blockRoots);
      expect(got.digests).toEqual(expected.digests);
      expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
      // A bad stripe fails with the core's error name, from the worker.
      await expect(encoder.encode(new Uint8Array(10), params)).rejects.toMatchObject({
        name: "InvalidParameterError",
      });
    } finally {
      await encoder.close?.();
    }
  });

  it("rejects stripes once closed instead of waiting forever", async () => {
    const params = { k: 2, m: 1, blockSize: BLOCK_SIZE, cellSize: 256 };
    const encoder = createWorkerStripeEncoder({ workers: 1 });
    await encoder.encode(new Uint8Array(2 * BLOCK_SIZE), params);
    const pending = encoder.encode(new Uint8Array(2 * BLOCK_SIZE), params);
    // Handle the rejection before closing, or it is unhandled while close() awaits.
    const rejected = expect(pending).rejects.toMatchObject({ name: "StripeEncoderClosed" });
    await encoder.close?.();
    await rejected;
    await expect(encoder.encode(new Uint8Array(2 * BLOCK_SIZE), params)).rejects.toMatchObject({
      name: "StripeEncoderClosed",
    });
  });
});
