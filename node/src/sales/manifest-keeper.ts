/**
 * Keeps a copy of the manifest of every dataset this node holds a slot of.
 *
 * A slot's blocks alone cannot be read back as a file: a reader starts from the dataset's
 * manifest (which blocks form which slot, k and m, the file's size). Providers announce
 * the dataset's CID in the DHT, so a reader who finds a provider there asks it for the
 * manifest first; without this, once the client dropped its own copy nobody could serve
 * it. The node fetches the manifest by CID through the block exchange (from the client
 * while it fills, from other hosts after a repair); the exchange checks the bytes against
 * the CID, so no peer can pass another manifest off as this one.
 */
import { CID } from "multiformats/cid";
import type { Logger } from "../logging/index.ts";
import type { HeldSlotStore } from "../market/index.ts";
import { PollLoop } from "../utils/poll-loop.ts";
import type { Startable } from "../utils/startable.ts";
import { DEFAULT_MANIFEST_KEEPER_INTERVAL_MS, MANIFEST_FETCH_TIMEOUT_MS } from "./constants.ts";

export interface ManifestKeeperComponents {
  held: Pick<HeldSlotStore, "inState">;
  blockstore: { has(cid: CID): Promise<boolean> };
  /** Fetches the block `cid` names from the network into the block store. */
  fetch(cid: CID, signal: AbortSignal): Promise<void>;
  /** Announces this node as a provider of `cid` in the DHT. */
  announce(cid: CID): Promise<unknown>;
  logger: Logger;
}

export interface ManifestKeeperInit {
  /** Ms between passes. @default DEFAULT_MANIFEST_KEEPER_INTERVAL_MS */
  intervalMs?: number;
}

export class ManifestKeeper implements Startable {
  readonly #components: ManifestKeeperComponents;
  readonly #loop: PollLoop;

  constructor(components: ManifestKeeperComponents, init: ManifestKeeperInit = {}) {
    this.#components = components;
    this.#loop = new PollLoop((signal) => this.pass(signal), {
      intervalMs: init.intervalMs ?? DEFAULT_MANIFEST_KEEPER_INTERVAL_MS,
      logger: components.logger,
      failure: "manifest keeper pass failed; retrying",
    });
  }

  async start(): Promise<void> {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** One pass: fetches each missing manifest once; one that cannot be had now is tried next pass. */
  async pass(signal: AbortSignal): Promise<void> {
    const { held, blockstore, fetch, logger } = this.#components;
    const datasets = new Set(held.inState("filled").map((slot) => slot.datasetCid));
    for (const value of datasets) {
      if (signal.aborted) return;
      const cid = CID.parse(value);
      if (await blockstore.has(cid)) continue;
      try {
        await fetch(cid, AbortSignal.any([signal, AbortSignal.timeout(MANIFEST_FETCH_TIMEOUT_MS)]));
        logger.info("kept the manifest of a dataset this node holds a slot of", { cid: value });
        // Readers can now start here; announced at once rather than at the next round.
        await this.#components
          .announce(cid)
          .catch((err: unknown) => logger.warn("could not announce a kept manifest", { cid: value, err }));
      } catch (err) {
        if (!signal.aborted)
          logger.debug("could not fetch a held dataset's manifest yet", {
            cid: value,
            err: err instanceof Error ? err.message : err,
          });
      }
    }
  }
}
