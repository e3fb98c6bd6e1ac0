/**
 * Looks the node itself up in the DHT a moment after it joins: after its first DHT peer
 * since start, and when it reconnects after losing every connection.
 *
 * kad-dht runs a self-lookup (it asks its peers for the nodes closest to its own id and
 * dials them, which puts them in its routing table and it in theirs) when its first peer
 * enters the routing table after start, and after that only every 5 minutes, as it does
 * its routing table refresh. Two cases leave a node knowing a single peer until then:
 *
 * - Nodes that join at once through the same bootstrap peer each ask it before it has
 *   taken in the others, so each learns only the bootstrap peer (a devnet's nodes start
 *   together; its full-mesh wait failed now and then on this). More lookups in the first
 *   minute or two after the first peer find them. One is not always enough: on a loaded
 *   machine the nodes come up over many seconds, and a pair whose every lookup ran before
 *   the other had registered with the peers it asked stayed strangers for 5 minutes (a
 *   system test's wait for the full mesh timed out on that).
 * - A node that lost every connection keeps its dead peers in its routing table, so its
 *   lookups go nowhere; once it reaches a peer again, it knows that peer alone. One more
 *   lookup a moment after it regains a DHT peer covers that.
 *
 * It is the lookup kad-dht's own self-query runs, through the public `getClosestPeers`;
 * kad-dht's `refreshRoutingTable()` would serve too, but (in 16.x) each call leaves one
 * more 5-minute refresh timer running, of which `stop()` clears only the last.
 */
import type { PeerId, Topology } from "@libp2p/interface";
import type { KadDHT } from "@libp2p/kad-dht";
import type { Logger } from "../logging/index.ts";
import type { Startable } from "../utils/startable.ts";

export interface DhtRejoinTiming {
  /**
   * Ms from a reconnection (the first DHT peer after a spell with none) to the lookup:
   * time for kad-dht to check the peer and put it in its routing table.
   */
  delayMs: number;
  /**
   * Ms from the first DHT peer after start to each lookup, ascending: kad-dht's own
   * self-query runs at once, and the nodes that joined along with this one register with
   * the peers it asks over the next seconds or, on a loaded machine, minute.
   */
  firstJoinDelaysMs: readonly number[];
  /**
   * DHT peers with an open connection past which those lookups stop: a node that knows
   * that many is woven into the DHT, and the others find it through their own lookups.
   */
  enoughPeers: number;
  /** Ms the lookup may take at most. */
  timeoutMs: number;
}

export class DhtRejoin implements Startable {
  readonly #dht: Pick<KadDHT, "getClosestPeers">;
  readonly #self: PeerId;
  readonly #timing: DhtRejoinTiming;
  readonly #log: Logger;
  /** DHT peers with at least one open connection, by peer id. */
  readonly #connected = new Set<string>();
  /** Set between stop() and the next start(); connections may still report in meanwhile. */
  #stopped = false;
  /** The node has had a DHT peer since start: a later first peer is a reconnection. */
  #hadPeer = false;
  /** The lookups after the first join since start; a stop ends them. */
  #joinSchedule: JoinSchedule | undefined;
  /** The next of those lookups, while it is due. */
  #joinTimer: ReturnType<typeof setTimeout> | undefined;
  /** The lookup after a reconnection, while it is due. */
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  /** Aborts the lookup in flight, if any; set while one runs. */
  #lookup: AbortController | undefined;

  /**
   * For `libp2p.register(KAD_PROTOCOL, ...)`: libp2p calls `onConnect` once identify shows
   * that a peer speaks the DHT protocol, and `onDisconnect` when its last connection closes.
   */
  readonly topology: Topology = {
    onConnect: (peer) => this.#connect(peer),
    onDisconnect: (peer) => {
      this.#connected.delete(peer.toString());
    },
  };

  constructor(dht: Pick<KadDHT, "getClosestPeers">, self: PeerId, timing: DhtRejoinTiming, log: Logger) {
    this.#dht = dht;
    this.#self = self;
    this.#timing = timing;
    this.#log = log;
  }

  start(): void {
    this.#stopped = false;
    this.#hadPeer = false;
  }

  stop(): void {
    this.#stopped = true;
    this.#joinSchedule = undefined;
    clearTimeout(this.#joinTimer);
    this.#joinTimer = undefined;
    clearTimeout(this.#rejoinTimer);
    this.#rejoinTimer = undefined;
    this.#lookup?.abort();
    this.#connected.clear();
  }

  /** One self-lookup, unless one is already running. Resolves when it ends; never rejects. */
  async lookup(): Promise<void> {
    if (this.#lookup !== undefined) return;
    const controller = new AbortController();
    this.#lookup = controller;
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.#timing.timeoutMs)]);
    let found = 0;
    try {
      for await (const event of this.#dht.getClosestPeers(this.#self.toMultihash().bytes, { signal })) {
        if (event.name === "FINAL_PEER") found++;
      }
      this.#log.info("looked itself up in the DHT after joining", { peers: found });
    } catch (err) {
      this.#log.debug("self-lookup after joining failed", {
        err: err instanceof Error ? err.message : err,
      });
    } finally {
      this.#lookup = undefined;
    }
  }

  #connect(peer: PeerId): void {
    const joined = !this.#hadPeer;
    const reconnected = this.#connected.size === 0 && this.#hadPeer;
    this.#connected.add(peer.toString());
    this.#hadPeer = true;
    if (this.#stopped) return;
    if (joined) {
      this.#joinSchedule = { startedAt: Date.now(), next: 0 };
      this.#runJoinLookups(this.#joinSchedule);
    } else if (reconnected && this.#rejoinTimer === undefined) {
      this.#rejoinTimer = setTimeout(() => {
        this.#rejoinTimer = undefined;
        void this.lookup();
      }, this.#timing.delayMs);
      this.#rejoinTimer.unref();
    }
  }

  /**
   * Runs the first join's lookups one after another, each at its time from `schedule`'s
   * start or, when the one before took longer, as soon as that one ends, until the node
   * has enough DHT peers.
   */
  #runJoinLookups(schedule: JoinSchedule): void {
    const dueMs = this.#timing.firstJoinDelaysMs[schedule.next];
    if (dueMs === undefined || this.#joinSchedule !== schedule) return;
    this.#joinTimer = setTimeout(
      () => {
        this.#joinTimer = undefined;
        if (this.#connected.size >= this.#timing.enoughPeers) return;
        schedule.next++;
        void this.lookup().then(() => this.#runJoinLookups(schedule));
      },
      Math.max(0, schedule.startedAt + dueMs - Date.now()),
    );
    this.#joinTimer.unref();
  }
}

/** The first join's lookups: when they started, and which comes next. */
interface JoinSchedule {
  startedAt: number;
  next: number;
}
