/**
 * The provider's answer to a wantlist: a presence with the price for each want-have, the
 * block for each want-block it holds, and DontHave where the client asked for it. Answers
 * are batched into as few messages as fit under the maximum message size.
 *
 * The DecisionEngine feeds it batches from a peer's want queue (where cancels take
 * effect) and passes `admit`, which decides, block by block, whether and when it may go:
 * fair turns, rate limits and credit.
 */
import type { AbortOptions } from "@libp2p/interface";
import type { CID } from "multiformats/cid";
import { Message } from "../codec.ts";
import type { ExchangeBlockstore } from "../types.ts";
import { cidPrefix, decodeAmount, decodeCid, encodeAmount } from "../wire.ts";

/** Protobuf overhead per block or presence entry (tags and lengths), rounded up. */
const ENTRY_OVERHEAD = 32;

export interface WantlistContext {
  blockstore: ExchangeBlockstore;
  /** Price of one block to this peer (wei). */
  priceOf(cid: CID): bigint;
  maxMessageSize: number;
  /** Flush a response once it holds this many bytes. */
  flushBytes: number;
  /** Entries looked up and read ahead of the one being sent. */
  readAhead: number;
  send(message: Partial<Message>): Promise<void>;
  /**
   * Called before each block is added to a response. It may wait (a turn, a rate limit, a
   * payment: `flush` sends what is gathered so far, so the client can count and pay for it)
   * or throw to end the stream. Resolves with a release to call once the block is handed on.
   */
  admit?(price: bigint, bytes: number, priority: number, flush: () => Promise<void>): Promise<() => void>;
}

interface Lookup {
  entry: Message.Wantlist.Entry;
  cid: CID;
  price: bigint;
  have: boolean;
  /** The block, read only for a want-block the provider will serve. */
  data?: Uint8Array;
}

async function lookUp(
  ctx: WantlistContext,
  entry: Message.Wantlist.Entry,
  options: AbortOptions,
): Promise<Lookup | undefined> {
  if (entry.cancel) return undefined;
  const cid = decodeCid(entry.cid);
  const price = ctx.priceOf(cid);
  const maxPrice = entry.maxPrice.byteLength === 0 ? undefined : decodeAmount(entry.maxPrice);
  const serve =
    entry.wantType === Message.Wantlist.WantType.WantBlock && (maxPrice === undefined || price <= maxPrice);
  if (!serve) return { entry, cid, price, have: await ctx.blockstore.has(cid, options) };
  // Read straight away rather than asking `has` first: one file operation less per block.
  try {
    return { entry, cid, price, have: true, data: await ctx.blockstore.getBytes(cid, options) };
  } catch (err) {
    if ((err as Error).name === "NotFoundError") return { entry, cid, price, have: false };
    throw err;
  }
}

export interface WantlistResult {
  blocksSent: number;
  bytesSent: number;
}

/** Where a provider's wants come from: one stream's want queue, or a single wantlist. */
export interface WantSource {
  /** Up to `max` wants available now, without waiting. */
  takeNow(max: number): Message.Wantlist.Entry[];
  /** Up to `max` wants, waiting for some; an empty list once no more will come. */
  take(max: number): Promise<Message.Wantlist.Entry[]>;
}

/**
 * Serves wants as they come, in order: up to `readAhead` are looked up and read from the
 * store at once, refilled from the source as each one is sent, so disk reads overlap
 * sending across wantlists, not only within one. A response is sent once it holds
 * `flushBytes`, or as soon as nothing more is ready, so the client never waits on a
 * half-filled response.
 */
export async function serveWants(
  ctx: WantlistContext,
  source: WantSource,
  options: AbortOptions = {},
): Promise<WantlistResult> {
  const result: WantlistResult = { blocksSent: 0, bytesSent: 0 };
  let blocks: Message.Block[] = [];
  let presences: Message.BlockPresence[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (blocks.length === 0 && presences.length === 0) return;
    await ctx.send({ blocks, blockPresences: presences });
    blocks = [];
    presences = [];
    size = 0;
  };
  const add = async (entrySize: number, push: () => void): Promise<void> => {
    if (size + entrySize > ctx.maxMessageSize) await flush();
    push();
    size += entrySize;
  };
  const lookups: Array<Promise<Lookup | undefined>> = [];
  const start = (entries: Message.Wantlist.Entry[]): void => {
    for (const entry of entries) {
      const lookup = lookUp(ctx, entry, options);
      lookup.catch(() => {}); // a rejection is thrown when awaited below, in order
      lookups.push(lookup);
    }
  };

  while (true) {
    if (lookups.length < ctx.readAhead) start(source.takeNow(ctx.readAhead - lookups.length));
    if (lookups.length === 0) {
      await flush();
      const next = await source.take(ctx.readAhead);
      if (next.length === 0) break;
      start(next);
      continue;
    }
    const found = await (lookups.shift() as Promise<Lookup | undefined>);
    if (found === undefined) continue;
    const { entry, price, have, data, cid } = found;
    const maxPrice = entry.maxPrice.byteLength === 0 ? undefined : decodeAmount(entry.maxPrice);
    const presence = (type: Message.BlockPresenceType): Message.BlockPresence => ({
      cid: entry.cid,
      type,
      price: encodeAmount(price),
    });

    if (!have) {
      if (entry.sendDontHave) {
        await add(entry.cid.byteLength + ENTRY_OVERHEAD, () =>
          presences.push(presence(Message.BlockPresenceType.DontHave)),
        );
      }
      continue;
    }
    // A want-have, or a want-block above the client's price: quote, don't send.
    if (data === undefined || (maxPrice !== undefined && price > maxPrice)) {
      await add(entry.cid.byteLength + ENTRY_OVERHEAD, () =>
        presences.push(presence(Message.BlockPresenceType.Have)),
      );
      continue;
    }
    const prefix = cidPrefix(cid);
    const release = await ctx.admit?.(price, data.byteLength, entry.priority, flush);
    try {
      await add(data.byteLength + prefix.byteLength + ENTRY_OVERHEAD, () =>
        blocks.push({ prefix, data: data as Uint8Array<ArrayBuffer> }),
      );
      result.blocksSent++;
      result.bytesSent += data.byteLength;
      // Send what we have once it is worth a frame, so the client verifies and refills its window sooner.
      if (size >= ctx.flushBytes) await flush();
    } finally {
      release?.();
    }
  }
  await flush();
  return result;
}

/** Answers one wantlist in entry order (what `serveWants` does over a single list). */
export async function answerWantlist(
  ctx: WantlistContext,
  wantlist: Message.Wantlist,
  options: AbortOptions = {},
): Promise<WantlistResult> {
  // Every CID is parsed before anything is read, so a bad one aborts the stream up front.
  for (const entry of wantlist.entries) decodeCid(entry.cid);
  let next = 0;
  const takeNow = (max: number): Message.Wantlist.Entry[] => {
    const entries = wantlist.entries.slice(next, next + max);
    next += entries.length;
    return entries;
  };
  return serveWants(ctx, { takeNow, take: async (max) => takeNow(max) }, options);
}
