/**
 * The provider's answer to a wantlist: a presence with the price for each want-have, the
 * block for each want-block it holds, and DontHave where the client asked for it. Answers
 * are batched into as few messages as fit under the maximum message size.
 *
 * This is the direct, unscheduled path. The DecisionEngine (ledgers, fair queues, rate
 * limits, credit) will sit in front of it; cancel entries matter once wants are queued
 * there and are ignored here, where every wantlist is answered before the next is read.
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
  const have = await ctx.blockstore.has(cid, options);
  const maxPrice = entry.maxPrice.byteLength === 0 ? undefined : decodeAmount(entry.maxPrice);
  const serve =
    have &&
    entry.wantType === Message.Wantlist.WantType.WantBlock &&
    (maxPrice === undefined || price <= maxPrice);
  return { entry, cid, price, have, data: serve ? await ctx.blockstore.getBytes(cid, options) : undefined };
}

export interface WantlistResult {
  blocksSent: number;
  bytesSent: number;
}

export async function answerWantlist(
  ctx: WantlistContext,
  wantlist: Message.Wantlist,
  options: AbortOptions = {},
): Promise<WantlistResult> {
  const result: WantlistResult = { blocksSent: 0, bytesSent: 0 };
  // Every CID is parsed before anything is read, so a bad one aborts the stream up front.
  for (const entry of wantlist.entries) decodeCid(entry.cid);
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

  // Look up and read ahead a few entries while earlier blocks are being sent.
  const lookups: Array<Promise<Lookup | undefined> | undefined> = [];
  const lookup = (i: number): Promise<Lookup | undefined> | undefined => {
    const entry = wantlist.entries[i];
    if (entry === undefined) return undefined;
    lookups[i] ??= lookUp(ctx, entry, options);
    lookups[i]?.catch(() => {}); // a rejection is thrown when awaited below, in order
    return lookups[i];
  };
  for (let i = 0; i < wantlist.entries.length; i++) {
    for (let j = i; j < i + ctx.readAhead; j++) lookup(j);
    const found = await lookup(i);
    lookups[i] = undefined;
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
    await add(data.byteLength + prefix.byteLength + ENTRY_OVERHEAD, () =>
      blocks.push({ prefix, data: data as Uint8Array<ArrayBuffer> }),
    );
    result.blocksSent++;
    result.bytesSent += data.byteLength;
    // Send what we have once it is worth a frame, so the client verifies and refills its window sooner.
    if (size >= ctx.flushBytes) await flush();
  }
  await flush();
  return result;
}
