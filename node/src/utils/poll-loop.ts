/**
 * A service's background loop: run a pass, wait `intervalMs`, run again, until stopped.
 * A pass that throws is logged and the loop goes on (the next pass retries); `stop` cuts
 * the wait short, aborts the pass under way through its signal, and resolves once it has
 * returned. The prover, the validator and the sales agent each run one.
 *
 *   const loop = new PollLoop((signal) => this.#tick(signal), { intervalMs, logger, failure: "tick failed" });
 *   loop.start();
 *   await loop.stop();
 */
import type { Logger } from "../logging/index.ts";

export interface PollLoopOptions {
  /** Ms between the end of one pass and the start of the next. */
  intervalMs: number;
  logger: Logger;
  /** The warning logged when a pass throws, e.g. "prover tick failed; retrying". */
  failure: string;
}

export class PollLoop {
  readonly #pass: (signal: AbortSignal) => Promise<void>;
  readonly #options: PollLoopOptions;
  #loop: Promise<void> | undefined;
  #abort: AbortController | undefined;

  constructor(pass: (signal: AbortSignal) => Promise<void>, options: PollLoopOptions) {
    this.#pass = pass;
    this.#options = options;
  }

  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** Starts the loop; a no-op while it runs. */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#pass(signal);
      } catch (err) {
        if (!signal.aborted)
          this.#options.logger.warn(this.#options.failure, {
            err: err instanceof Error ? err.message.split("\n")[0] : err,
          });
      }
      await sleepUnlessAborted(this.#options.intervalMs, signal);
    }
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", wake);
      resolve();
    }, ms);
    signal.addEventListener("abort", wake, { once: true });
  });
}
