/**
 * A refilling allowance of free service (wei), so a peer can fetch a manifest or probe a
 * provider before it has a channel. A token bucket: it holds at most `capacity` and gains
 * `refillPerSecond` as time passes.
 */
export class FreeAllowance {
  private readonly capacity: bigint;
  private readonly refillPerSecond: bigint;
  private level: bigint;
  private last: number;

  constructor(capacity: bigint, refillPerSecond: bigint, now = Date.now()) {
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.level = capacity;
    this.last = now;
  }

  /** Takes `amount` if the allowance holds it all; partial grants would blur the ledger. */
  take(amount: bigint, now = Date.now()): boolean {
    this.refill(now);
    if (amount > this.level) return false;
    this.level -= amount;
    return true;
  }

  available(now = Date.now()): bigint {
    this.refill(now);
    return this.level;
  }

  private refill(now: number): void {
    const elapsedMs = now - this.last;
    if (elapsedMs <= 0) return;
    const gained = (this.refillPerSecond * BigInt(Math.floor(elapsedMs))) / 1000n;
    // Only advance the clock by whole refills, so slow refill rates are not rounded away.
    if (gained === 0n && this.level < this.capacity) return;
    this.level = this.level + gained > this.capacity ? this.capacity : this.level + gained;
    this.last = now;
  }
}
