/**
 * The processes `npm start` runs, stopped together in reverse start order on Ctrl-C,
 * SIGTERM or a failed start, so nothing is left behind.
 */
export interface Service {
  stop(): Promise<void>;
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export class ServiceGroup {
  readonly #services: { name: string; service: Service }[] = [];
  readonly #log: (line: string) => void;
  #stopping: Promise<void> | undefined;
  #resolveStopped: () => void = () => {};
  /** Settles once every service has been stopped. */
  readonly stopped: Promise<void>;

  constructor(log: (line: string) => void) {
    this.#log = log;
    this.stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
  }

  /** Starts a service and remembers it; a service started after a stop is stopped at once. */
  async add<T extends Service>(name: string, start: () => Promise<T>): Promise<T> {
    const service = await start();
    this.#services.push({ name, service });
    if (this.#stopping !== undefined) await this.stopAll();
    return service;
  }

  /** Stops every service on the first signal; later signals only say it is in progress. */
  stopOnSignals(): void {
    for (const signal of STOP_SIGNALS) {
      process.on(signal, () => {
        if (this.#stopping === undefined) this.#log(`\n${signal}: stopping everything ...`);
        void this.stopAll();
      });
    }
  }

  stopAll(): Promise<void> {
    this.#stopping ??= this.#stopInReverse().then(this.#resolveStopped);
    return this.#stopping;
  }

  async #stopInReverse(): Promise<void> {
    for (let next = this.#services.pop(); next !== undefined; next = this.#services.pop()) {
      try {
        await next.service.stop();
        this.#log(`stopped ${next.name}`);
      } catch (error) {
        this.#log(`could not stop ${next.name} cleanly: ${error instanceof Error ? error.message : error}`);
      }
    }
  }
}
