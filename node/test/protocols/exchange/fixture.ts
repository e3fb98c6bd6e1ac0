/**
 * Real exchange peers on loopback for tests: libp2p (TCP, Noise, Yamux), an FsBlockstore in
 * a temporary folder, and the exchange with whatever payments and reputation a test gives.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { type Logger, LogManager } from "../../../src/logging/index.ts";
import { type CairnLibp2p, createNetwork } from "../../../src/network/index.ts";
import {
  createExchange,
  type Exchange,
  type ExchangeComponents,
  type ExchangeInit,
} from "../../../src/protocols/exchange/index.ts";
import { createBlockstore, type FsBlockstore } from "../../../src/store/blocks/index.ts";

export const log: Logger = new LogManager({ level: "silent" }).logger("test");

export interface Peer {
  net: CairnLibp2p;
  store: FsBlockstore;
  exchange: Exchange;
  stop(): Promise<void>;
}

export async function blockOf(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(0x55, await sha256.digest(bytes));
}

export async function startPeer(
  dir: string,
  name: string,
  init: ExchangeInit = {},
  components: Partial<ExchangeComponents> = {},
): Promise<Peer> {
  const net = await createNetwork({ logger: log }, { listen: ["/ip4/127.0.0.1/tcp/0"] });
  const store = createBlockstore({ logger: log }, { root: join(dir, name) });
  await store.start();
  const exchange = createExchange({ network: net, blockstore: store, logger: log, ...components }, init);
  await exchange.start();
  await net.start();
  let stopped = false;
  return {
    net,
    store,
    exchange,
    async stop() {
      if (stopped) return;
      stopped = true;
      await exchange.stop();
      await net.stop();
      await store.stop();
    },
  };
}

export async function fill(
  stores: FsBlockstore[],
  count: number,
  size: number,
): Promise<Array<{ cid: CID; data: Uint8Array }>> {
  const blocks = [];
  for (let i = 0; i < count; i++) {
    const data = new Uint8Array(randomBytes(size));
    const cid = await blockOf(data);
    for (const store of stores) await store.put(cid, data);
    blocks.push({ cid, data });
  }
  return blocks;
}

export function addressOf(peer: Peer) {
  const addr = peer.net.getMultiaddrs()[0];
  if (addr === undefined) throw new Error("peer is not listening");
  return addr;
}
