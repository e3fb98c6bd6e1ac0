/**
 * Dials the bootstrap peers again while the node has no connection at all.
 *
 * @libp2p/bootstrap dials its list once, shortly after start. When that dial fails (the
 * bootstrap node is not up yet, or it refused the connection because many nodes dialed
 * it from one host in the same second, as on a one-machine devnet), the node would stay
 * alone for good: with no peer, the DHT has nobody to ask for more.
 */
import type { Multiaddr } from "@multiformats/multiaddr";
import { multiaddr } from "@multiformats/multiaddr";
import type { Logger } from "../logging/index.ts";
import type { Startable } from "../utils/startable.ts";

/** The part of the libp2p node this needs. */
export interface RedialTarget {
  getConnections(): unknown[];
  dial(address: Multiaddr, options?: { signal?: AbortSignal }): Promise<unknown>;
}

export class BootstrapRedial implements Startable {
  readonly #node: RedialTarget;
  readonly #list: Multiaddr[];
  readonly #intervalMs: number;
  readonly #log: Logger;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(node: RedialTarget, list: readonly string[], intervalMs: number, log: Logger) {
    this.#node = node;
    this.#list = list.map((address) => multiaddr(address));
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  start(): void {
    this.#timer = setInterval(() => this.redial(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round: nothing while any connection is open, else a dial to each bootstrap peer. */
  redial(): void {
    if (this.#node.getConnections().length > 0) return;
    for (const address of this.#list) {
      this.#node
        .dial(address, { signal: AbortSignal.timeout(this.#intervalMs) })
        .then(() =>
          this.#log.info("reached a bootstrap peer on a later try", { address: address.toString() }),
        )
        .catch((err: unknown) =>
          this.#log.debug("bootstrap peer not reached; trying again", {
            address: address.toString(),
            err: err instanceof Error ? err.message : err,
          }),
        );
    }
  }
}
