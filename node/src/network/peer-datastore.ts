/**
 * The network's datastore (the peer store and the DHT's records, one file per key under
 * `<dataDir>/p2p/datastore`), closed to writes while the node is stopped.
 *
 * Why: libp2p's `stop()` resolves while handlers of streams that were open may still run.
 * When two nodes stopped together, each patched its peer store from the other's last
 * identify message after its own `stop()` had resolved, writing a file into the data
 * folder of a node that was down: in tests, a data folder removed right after `stop()`
 * came back a moment later, every time. libp2p runs the start and stop hooks of each of
 * its components, the datastore included; after everything else has stopped, `afterStop`
 * waits for the writes under way and drops later ones, so a stopped node leaves its
 * folder alone.
 */
import type { AbortOptions, Startable } from "@libp2p/interface";
import { FsDatastore } from "datastore-fs";
import type { Key } from "interface-datastore";
import type { Logger } from "../logging/index.ts";

export class PeerDatastore extends FsDatastore implements Startable {
  readonly #log: Logger;
  #accepting = true;
  readonly #writing = new Set<Promise<unknown>>();

  constructor(location: string, log: Logger) {
    super(location);
    this.#log = log;
  }

  start(): void {
    this.#accepting = true;
  }

  stop(): void {}

  async afterStop(): Promise<void> {
    this.#accepting = false;
    await Promise.allSettled([...this.#writing]);
  }

  // putMany, deleteMany and batches all write through these two.
  override async put(key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    if (!this.#accepting) {
      this.#log.debug("dropped a write to the datastore of a stopped node", { key: key.toString() });
      return key;
    }
    return this.#track(super.put(key, value, options));
  }

  override async delete(key: Key, options?: AbortOptions): Promise<void> {
    if (!this.#accepting) {
      this.#log.debug("dropped a delete from the datastore of a stopped node", { key: key.toString() });
      return;
    }
    return this.#track(super.delete(key, options));
  }

  async #track<T>(write: Promise<T>): Promise<T> {
    this.#writing.add(write);
    try {
      return await write;
    } finally {
      this.#writing.delete(write);
    }
  }
}
