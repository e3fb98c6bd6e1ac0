import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createErasureCodec,
  decodeSlots,
  type ErasureCodec,
  stripeCount,
} from "../../src/core/erasure/index.ts";
import { pseudoRandom, subsets } from "./helpers.ts";

/** Splits a stripe into its k data shards and m parity shards. */
function shardsOf(codec: ErasureCodec, data: Uint8Array, k: number, m: number): Uint8Array[] {
  const size = data.length / k;
  const parity = codec.encode(data, k, m);
  return [
    ...Array.from({ length: k }, (_, i) => data.slice(i * size, (i + 1) * size)),
    ...Array.from({ length: m }, (_, i) => parity.slice(i * size, (i + 1) * size)),
  ];
}

describe("erasure coding", () => {
  it("rebuilds the data from every choice of k of n shards (4+2, 3+3)", async () => {
    const codec = await createErasureCodec();
    for (const [k, m] of [
      [4, 2],
      [3, 3],
    ] as const) {
      const data = pseudoRandom(`stripe-${k}-${m}`, k * 1000);
      const shards = shardsOf(codec, data, k, m);
      const n = k + m;
      for (const keep of subsets(n, k)) {
        const partial = shards.map((shard, i) => (keep.includes(i) ? shard : undefined));
        expect(Buffer.concat(codec.reconstruct(partial, k, m)), `keeping ${keep}`).toEqual(Buffer.from(data));
      }
    }
  });

  it("rebuilds 10+4 stripes of 256 KiB from random choices of 10 slots", async () => {
    const codec = await createErasureCodec();
    const data = pseudoRandom("ten-four", 10 * 262_144);
    const shards = shardsOf(codec, data, 10, 4);
    const all = subsets(14, 10);
    for (const keep of [all[0], all[all.length - 1], all[500], all[777]]) {
      const partial = shards.map((shard, i) => (keep?.includes(i) ? shard : undefined));
      expect(Buffer.concat(codec.reconstruct(partial, 10, 4)).equals(Buffer.from(data))).toBe(true);
    }
  });

  it("gives the same parity every time and pins it (Node and browser use these same WASM bytes)", async () => {
    const [a, b] = await Promise.all([createErasureCodec(), createErasureCodec()]);
    const data = pseudoRandom("pinned", 10 * 4096);
    const parity = a.encode(data, 10, 4);
    expect(b.encode(data, 10, 4)).toEqual(parity);
    expect(createHash("sha256").update(parity).digest("hex")).toMatchSnapshot();
  });

  it("encodes with SIMD exactly as the reed-solomon-erasure crate does", async () => {
    const [crate, simd] = await Promise.all([createErasureCodec({ simd: false }), createErasureCodec()]);
    for (const [k, m, shard] of [
      [10, 4, 262_144],
      [10, 4, 16],
      [3, 2, 1000],
      [4, 2, 17],
      [1, 1, 1],
      [1, 5, 33],
      [200, 56, 64],
    ] as const) {
      const data = pseudoRandom(`simd-${k}-${m}-${shard}`, k * shard);
      expect(
        Buffer.from(simd.encode(data, k, m)).equals(Buffer.from(crate.encode(data, k, m))),
        `${k}+${m}`,
      ).toBe(true);
    }
  });

  it("fails with NotEnoughShardsError when fewer than k are present", async () => {
    const codec = await createErasureCodec();
    const shards = shardsOf(codec, pseudoRandom("few", 4 * 64), 4, 2);
    const partial = shards.map((shard, i) => (i < 3 ? shard : undefined));
    expect(() => codec.reconstruct(partial, 4, 2)).toThrow(
      expect.objectContaining({ name: "NotEnoughShardsError", present: 3, required: 4 }),
    );
  });

  it("rejects empty and uneven shards and bad parameters by name", async () => {
    const codec = await createErasureCodec();
    expect(() => codec.encode(new Uint8Array(0), 4, 2)).toThrow(expect.objectContaining({ field: "data" }));
    expect(() => codec.encode(new Uint8Array(10), 4, 2)).toThrow(expect.objectContaining({ field: "data" }));
    expect(() => codec.encode(new Uint8Array(8), 0, 2)).toThrow(expect.objectContaining({ field: "k" }));
    expect(() => codec.encode(new Uint8Array(8), 4, -1)).toThrow(expect.objectContaining({ field: "m" }));
    expect(() => codec.encode(new Uint8Array(200), 200, 57)).toThrow(expect.objectContaining({ field: "m" }));
    expect(codec.encode(new Uint8Array(8), 4, 0)).toEqual(new Uint8Array(0));
    const empty = [
      new Uint8Array(0),
      new Uint8Array(0),
      undefined,
      new Uint8Array(0),
      new Uint8Array(0),
      undefined,
    ];
    expect(() => codec.reconstruct(empty, 4, 2)).toThrow(
      expect.objectContaining({ name: "InvalidParameterError", field: "shards[0]" }),
    );
    const uneven = [
      new Uint8Array(4),
      new Uint8Array(4),
      new Uint8Array(5),
      new Uint8Array(4),
      undefined,
      undefined,
    ];
    expect(() => codec.reconstruct(uneven, 4, 2)).toThrow(expect.objectContaining({ field: "shards[2]" }));
    expect(() => codec.reconstruct([new Uint8Array(4)], 4, 2)).toThrow(
      expect.objectContaining({ field: "shards" }),
    );
  });

  it("decodes whole slots back to the original bytes, cutting the padding", async () => {
    const codec = await createErasureCodec();
    const blockSize = 1024;
    const [k, m] = [3, 2];
    const size = 7 * blockSize + 100; // 8 blocks: three stripes, the last padded
    const data = pseudoRandom("slots", size);
    const stripes = stripeCount(Math.ceil(size / blockSize), k);
    expect(stripes).toBe(3);
    const slots = Array.from({ length: k + m }, () => new Uint8Array(stripes * blockSize));
    for (let s = 0; s < stripes; s++) {
      const stripe = new Uint8Array(k * blockSize);
      stripe.set(data.subarray(s * k * blockSize, (s + 1) * k * blockSize));
      for (const [i, shard] of shardsOf(codec, stripe, k, m).entries()) slots[i]?.set(shard, s * blockSize);
    }
    const decoded = decodeSlots(codec, [undefined, slots[1], undefined, slots[3], slots[4]], {
      k,
      m,
      blockSize,
      size,
    });
    expect(Buffer.from(decoded).equals(Buffer.from(data))).toBe(true);
    expect(() =>
      decodeSlots(codec, [undefined, slots[1], undefined, slots[3], undefined], { k, m, blockSize, size }),
    ).toThrow(expect.objectContaining({ name: "NotEnoughShardsError" }));
  });
});
