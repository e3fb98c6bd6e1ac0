/**
 * A token bucket for per-peer rate limits (wants per second, bytes per second). It holds
 * up to `capacity` tokens (one second's worth unless told), so a peer may burst that much
 * and no more.
 */
export class TokenBucket {
  private readonly ratePerSecond: number;
  private readonly capacity: number;
  private tokens: number;
  private last: number;

  /** `ratePerSecond` of Infinity never limits. */
  constructor(ratePerSecond: number, capacity = ratePerSecond) {
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.tokens = capacity;
    this.last = performance.now();
  }

  /**
   * Takes `amount` tokens, going into debt if needed, and returns the ms to wait before
   * acting so that the rate holds on average. An amount above the capacity (one block larger
   * than a second's worth) is still allowed, after a proportionally longer wait.
   */
  take(amount: number): number {
    if (this.ratePerSecond === Number.POSITIVE_INFINITY) return 0;
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
    this.tokens -= amount;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.ratePerSecond;
  }
}

/** Waits for `ms`, unless the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
