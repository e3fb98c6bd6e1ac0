/**
 * Rebuilds one slot of a request from k others, stripe by stripe, as a stream: block j of
 * every slot is stripe j's shard, so the j-th block of k sources is enough to rebuild
 * stripe j's data blocks (Reed-Solomon), and from them the slot's own block (a data block,
 * or a parity block encoded again). Memory stays at one stripe.
 */
import { type ErasureCodec, InvalidParameterError } from "../core/index.ts";
import { rechunk } from "../core/util/bytes.ts";
import { SlotFetchError } from "./errors.ts";

/**
 * The blocks of slot `index`. `sources[i]` streams slot i's bytes, or is undefined; at
 * least k must be given. Each source must have exactly `stripes` blocks.
 */
export async function* rebuildSlot(
  codec: ErasureCodec,
  sources: readonly (AsyncIterable<Uint8Array> | undefined)[],
  params: { index: number; k: number; m: number; blockSize: number; stripes: number },
): AsyncGenerator<Uint8Array> {
  const { index, k, m, blockSize, stripes } = params;
  const n = k + m;
  if (sources.length !== n)
    throw new InvalidParameterError("sources", `expected ${n}, got ${sources.length}`);
  if (!Number.isInteger(index) || index < 0 || index >= n)
    throw new InvalidParameterError("index", `must be a slot of ${n}, got ${index}`);
  const readers = sources.map((source) =>
    source === undefined ? undefined : rechunk(source, blockSize)[Symbol.asyncIterator](),
  );
  if (readers.filter((r) => r !== undefined).length < k)
    throw new SlotFetchError(`a rebuild needs ${k} other slots, ${readers.filter(Boolean).length} given`);
  try {
    for (let stripe = 0; stripe < stripes; stripe++) {
      const shards = await Promise.all(
        readers.map(async (reader, i) => {
          if (reader === undefined) return undefined;
          const next = await reader.next();
          if (next.done || next.value.length !== blockSize)
            throw new SlotFetchError(`slot ${i} ended before stripe ${stripe}'s block`);
          return next.value;
        }),
      );
      const data = codec.reconstruct(shards, k, m);
      if (index < k) {
        yield data[index] as Uint8Array;
        continue;
      }
      const joined = new Uint8Array(k * blockSize);
      for (const [i, block] of data.entries()) joined.set(block, i * blockSize);
      const parity = codec.encode(joined, k, m);
      yield parity.slice((index - k) * blockSize, (index - k + 1) * blockSize);
    }
  } finally {
    await Promise.all(readers.map((reader) => reader?.return?.()));
  }
}
