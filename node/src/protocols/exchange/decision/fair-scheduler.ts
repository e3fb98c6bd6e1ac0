/**
 * Fair serving across peers: at most `slots` blocks are being served at once, and when
 * more peers are waiting than there are slots, free slots go round robin over the waiting
 * peers, each peer taking up to its weight (the priority of its wants) in turns per round.
 * A peer with many wants therefore cannot starve one with few, and while nobody contends
 * a turn costs no more than a counter.
 */
interface Waiting {
  weight: number;
  grants: Array<() => void>;
  /** turns taken in the current round */
  used: number;
}

export class FairScheduler {
  private readonly slots: number;
  private busy = 0;
  private readonly waiting = new Map<string, Waiting>();
  /** round-robin order of peers with waiters */
  private ring: string[] = [];

  constructor(slots: number) {
    this.slots = slots;
  }

  /** Resolves with a release function once `peer` may serve one block. */
  acquire(peer: string, weight: number): Promise<() => void> {
    if (this.busy < this.slots && this.ring.length === 0) {
      this.busy++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      let entry = this.waiting.get(peer);
      if (entry === undefined) {
        entry = { weight: 1, grants: [], used: 0 };
        this.waiting.set(peer, entry);
        this.ring.push(peer);
      }
      entry.weight = Math.max(1, Math.min(MAX_WEIGHT, Math.round(weight)));
      entry.grants.push(() => resolve(this.releaser()));
    });
  }

  /** Drops a peer's waiters (its stream ended); they never resolve. */
  forget(peer: string): void {
    if (!this.waiting.delete(peer)) return;
    this.ring = this.ring.filter((p) => p !== peer);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy--;
      this.grantNext();
    };
  }

  private grantNext(): void {
    while (this.busy < this.slots && this.ring.length > 0) {
      const peer = this.ring[0] as string;
      const entry = this.waiting.get(peer) as Waiting;
      const grant = entry.grants.shift();
      entry.used++;
      if (entry.grants.length === 0) {
        this.waiting.delete(peer);
        this.ring.shift();
      } else if (entry.used >= entry.weight) {
        entry.used = 0;
        this.ring.push(this.ring.shift() as string);
      }
      if (grant !== undefined) {
        this.busy++;
        grant();
      }
    }
  }
}

/** A priority above this buys no more turns per round. */
const MAX_WEIGHT = 16;
