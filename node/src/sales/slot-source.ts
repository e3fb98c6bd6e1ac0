/**
 * Where the agent gets other slots of a request from, to rebuild one it takes: for now the
 * other providers' REST APIs (`GET /api/v1/slots/{requestId}/{index}`), found through the
 * registry's endpoints. The paid block exchange is to become a second `SlotSource`.
 */
import { type Address, type Hex, isAddressEqual, type PublicClient } from "viem";
import { providerApiUrl } from "../core/index.ts";
import { providerRegistryAbi } from "../generated/contracts.ts";
import { DEFAULT_FETCH_IDLE_TIMEOUT_MS } from "./constants.ts";
import { SlotFetchError } from "./errors.ts";

/** One slot's bytes from somewhere, streamed; undefined when that source does not have it. */
export interface SlotSource {
  open(
    slot: { requestId: Hex; index: number; host: Address; slotSize: bigint },
    signal?: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array> | undefined>;
}

/** A provider's REST API origins. */
export interface ProviderLocator {
  apiUrls(provider: Address): Promise<readonly string[]>;
}

/** Endpoints from the discovery module's directory (kept in step with the registry's events). */
export function directoryLocator(directory: {
  byAddress(address: string): { apiUrls: string[] } | undefined;
}): ProviderLocator {
  return { apiUrls: async (provider) => directory.byAddress(provider)?.apiUrls ?? [] };
}

/**
 * Endpoints read from the registry's events for one provider: the newest of its
 * `ProviderRegistered` and `EndpointsUpdated`.
 */
export function registryLocator(
  client: PublicClient,
  init: { registry: Address; fromBlock: bigint },
): ProviderLocator {
  return {
    async apiUrls(provider) {
      const [registered, updated] = await Promise.all(
        (["ProviderRegistered", "EndpointsUpdated"] as const).map((eventName) =>
          client.getContractEvents({
            address: init.registry,
            abi: providerRegistryAbi,
            eventName,
            args: { provider },
            fromBlock: init.fromBlock,
            strict: true,
          }),
        ),
      );
      const logs = [...(registered ?? []), ...(updated ?? [])].sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      );
      const newest = logs[logs.length - 1];
      const multiaddrs = (newest?.args as { multiaddrs?: readonly string[] } | undefined)?.multiaddrs ?? [];
      const url = providerApiUrl(multiaddrs);
      return url === undefined ? [] : [url];
    },
  };
}

export interface HttpSlotSourceInit {
  /** Ms a fetch may go without a byte before it is dropped. @default DEFAULT_FETCH_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number;
  /** This node's own address: it never fetches from itself. */
  self?: Address;
}

/** Fetches a slot from its host's REST API. */
export class HttpSlotSource implements SlotSource {
  readonly #locator: ProviderLocator;
  readonly #idleMs: number;
  readonly #self: Address | undefined;

  constructor(locator: ProviderLocator, init: HttpSlotSourceInit = {}) {
    this.#locator = locator;
    this.#idleMs = init.idleTimeoutMs ?? DEFAULT_FETCH_IDLE_TIMEOUT_MS;
    this.#self = init.self;
  }

  async open(
    slot: { requestId: Hex; index: number; host: Address; slotSize: bigint },
    signal?: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (this.#self !== undefined && isAddressEqual(slot.host, this.#self)) return undefined;
    for (const base of await this.#locator.apiUrls(slot.host)) {
      const abort = new AbortController();
      const onAbort = () => abort.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(() => abort.abort(new SlotFetchError("no answer")), this.#idleMs);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      try {
        const response = await fetch(`${base}/api/v1/slots/${slot.requestId}/${slot.index}`, {
          signal: abort.signal,
        });
        clearTimeout(timer);
        const length = response.headers.get("content-length");
        if (response.status !== 200 || response.body === null || length !== String(slot.slotSize)) {
          await response.body?.cancel();
          done();
          continue;
        }
        return idleBounded(response.body, this.#idleMs, abort, done);
      } catch {
        done();
      }
    }
    return undefined;
  }
}

/**
 * A response body as an async iterator that aborts the fetch when no bytes come for
 * `idleMs`, and whose `return()` (a consumer giving up, even before reading) releases the
 * connection.
 */
function idleBounded(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  abort: AbortController,
  done: () => void,
): AsyncIterableIterator<Uint8Array> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = async () => {
    clearTimeout(timer);
    done();
    await reader.cancel().catch(() => {});
    abort.abort();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      timer = setTimeout(() => abort.abort(new SlotFetchError("the slot's host stalled")), idleMs);
      try {
        const { done: ended, value } = await reader.read();
        clearTimeout(timer);
        if (ended) {
          await finish();
          return { done: true, value: undefined };
        }
        return { done: false, value };
      } catch (err) {
        await finish();
        throw err;
      }
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
  };
}
