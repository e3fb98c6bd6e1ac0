import { type Address, getAddress, isAddress } from "viem";
import { labelText, peerIdFromRegistryBytes, splitEndpoints } from "./endpoints.ts";
import { InvalidLookupError } from "./errors.ts";
import { compareLogPosition, type RegistryLog } from "./registry-events.ts";

/** A provider's offer with its labels as text. Units as in IProviderRegistry.Offer. */
export interface ProviderOffer {
  /** wei per byte per second, the lowest accepted. */
  pricePerBytePerSecond: bigint;
  /** wei per byte of slot, the most collateral accepted. */
  maxCollateralPerByte: bigint;
  /** s */
  minDuration: bigint;
  /** s */
  maxDuration: bigint;
  /** bytes */
  capacity: bigint;
  region: string;
  infrastructure: string;
}

/** Everything the registry's events say about one provider. */
export interface ProviderRecord {
  /** The provider's wallet: where channels pay and what the market names. */
  address: Address;
  /** libp2p peer id (text), or undefined when none or a malformed one was published. */
  peerId: string | undefined;
  /** libp2p multiaddrs, as published. */
  multiaddrs: string[];
  /** REST API origins (`http://host:port`) from its HTTP multiaddrs. */
  apiUrls: string[];
  offer: ProviderOffer;
  /** wei in place, locked collateral included, queued exit excluded. */
  stake: bigint;
  /** wei of `stake` locked as slot collateral. */
  lockedCollateral: bigint;
  /** wei queued to leave. */
  exitAmount: bigint;
  /** Unix s when the exit can be withdrawn; 0 when none. */
  exitUnlocksAt: number;
  /** Unix s from which it may take slots. */
  activeFrom: number;
  paused: boolean;
  /** Slashes seen, and the wei they took. */
  slashes: number;
  slashedTotal: bigint;
  registeredAtBlock: bigint;
  updatedAtBlock: bigint;
}

export interface ProviderFilter {
  /** @default false */
  includePaused?: boolean;
  /** Only providers allowed to take slots at this unix time (activation delay passed). */
  activeAt?: number;
  /** Only providers whose offer accepts at least this price, wei/B/s (their price is at most this). */
  maxPricePerBytePerSecond?: bigint;
  /** bytes */
  minCapacity?: bigint;
  /** wei of stake not locked. */
  minFreeStake?: bigint;
  /** A request duration, s, that the offer must accept. */
  duration?: bigint;
  region?: string;
  infrastructure?: string;
  /** Only providers with a usable peer id (those the exchange can reach). @default false */
  withPeerId?: boolean;
}

/** What one applied log changed, for listeners such as the reputation feed. */
export interface DirectoryChange {
  log: RegistryLog;
  /** The provider after the change; undefined for events about no provider (roles). */
  provider: ProviderRecord | undefined;
}

function offerOf(raw: {
  pricePerBytePerSecond: bigint;
  maxCollateralPerByte: bigint;
  minDuration: bigint;
  maxDuration: bigint;
  capacity: bigint;
  region: `0x${string}`;
  infrastructure: `0x${string}`;
}): ProviderOffer {
  return {
    pricePerBytePerSecond: raw.pricePerBytePerSecond,
    maxCollateralPerByte: raw.maxCollateralPerByte,
    minDuration: raw.minDuration,
    maxDuration: raw.maxDuration,
    capacity: raw.capacity,
    region: labelText(raw.region),
    infrastructure: labelText(raw.infrastructure),
  };
}

/**
 * Registered providers as a pure fold over ProviderRegistry events: `apply` each decoded
 * log in chain order and the directory equals what the chain says, with no RPC of its
 * own. Logs at or before the last applied position are ignored, so a source may replay.
 *
 * Peer ids are self-declared: nothing on-chain proves that a wallet holds the libp2p key
 * it names. So when two registered wallets claim one peer id, `byPeerId` answers neither
 * (`claimants` lists both) rather than pay the wrong one.
 */
export class ProviderDirectory {
  private readonly byAddressMap = new Map<Address, ProviderRecord>();
  /** peer id → wallets claiming it. */
  private readonly claims = new Map<string, Set<Address>>();
  private position: { blockNumber: bigint; logIndex: number } | undefined;

  /** The last applied log's block, or undefined before any. */
  get syncedBlock(): bigint | undefined {
    return this.position?.blockNumber;
  }

  get size(): number {
    return this.byAddressMap.size;
  }

  /** Folds one log in. Returns the change, or undefined when the log was already applied or is about nothing here. */
  apply(log: RegistryLog): DirectoryChange | undefined {
    if (this.position !== undefined && compareLogPosition(log, this.position) <= 0) return undefined;
    this.position = { blockNumber: log.blockNumber, logIndex: log.logIndex };
    const provider = this.fold(log);
    return { log, provider };
  }

  byAddress(address: string): ProviderRecord | undefined {
    if (!isAddress(address, { strict: false })) throw new InvalidLookupError(`not an address: ${address}`);
    return this.byAddressMap.get(getAddress(address));
  }

  /** The one wallet that claims this peer id, or undefined when none or several do. */
  byPeerId(peerId: string): ProviderRecord | undefined {
    if (typeof peerId !== "string" || peerId.length === 0) throw new InvalidLookupError("peer id is empty");
    const wallets = this.claims.get(peerId);
    if (wallets === undefined || wallets.size !== 1) return undefined;
    const [only] = wallets;
    return only === undefined ? undefined : this.byAddressMap.get(only);
  }

  /** Every wallet claiming a peer id (more than one is a conflict). */
  claimants(peerId: string): ProviderRecord[] {
    return [...(this.claims.get(peerId) ?? [])].flatMap((a) => this.byAddressMap.get(a) ?? []);
  }

  /** Providers matching `filter`, cheapest first, then by address. */
  list(filter: ProviderFilter = {}): ProviderRecord[] {
    const out: ProviderRecord[] = [];
    for (const p of this.byAddressMap.values()) {
      if (p.paused && filter.includePaused !== true) continue;
      if (filter.activeAt !== undefined && p.activeFrom > filter.activeAt) continue;
      if (
        filter.maxPricePerBytePerSecond !== undefined &&
        p.offer.pricePerBytePerSecond > filter.maxPricePerBytePerSecond
      )
        continue;
      if (filter.minCapacity !== undefined && p.offer.capacity < filter.minCapacity) continue;
      if (filter.minFreeStake !== undefined && p.stake - p.lockedCollateral < filter.minFreeStake) continue;
      if (
        filter.duration !== undefined &&
        (filter.duration < p.offer.minDuration || filter.duration > p.offer.maxDuration)
      )
        continue;
      if (filter.region !== undefined && p.offer.region !== filter.region) continue;
      if (filter.infrastructure !== undefined && p.offer.infrastructure !== filter.infrastructure) continue;
      if (filter.withPeerId === true && (p.peerId === undefined || this.byPeerId(p.peerId) !== p)) continue;
      out.push(p);
    }
    return out.sort((a, b) =>
      a.offer.pricePerBytePerSecond !== b.offer.pricePerBytePerSecond
        ? a.offer.pricePerBytePerSecond < b.offer.pricePerBytePerSecond
          ? -1
          : 1
        : a.address.localeCompare(b.address),
    );
  }

  private fold(log: RegistryLog): ProviderRecord | undefined {
    switch (log.eventName) {
      case "ProviderRegistered": {
        const a = log.args;
        const address = getAddress(a.provider);
        const record: ProviderRecord = {
          address,
          peerId: undefined,
          multiaddrs: [],
          apiUrls: [],
          offer: offerOf(a.offer),
          stake: a.stake,
          lockedCollateral: 0n,
          exitAmount: 0n,
          exitUnlocksAt: 0,
          activeFrom: Number(a.activeFrom),
          paused: false,
          slashes: 0,
          slashedTotal: 0n,
          registeredAtBlock: log.blockNumber,
          updatedAtBlock: log.blockNumber,
        };
        this.byAddressMap.set(address, record);
        this.setEndpoints(record, a.peerId, a.multiaddrs);
        return record;
      }
      case "EndpointsUpdated":
        return this.update(log, (p) => this.setEndpoints(p, log.args.peerId, log.args.multiaddrs));
      case "OfferUpdated":
        return this.update(log, (p) => {
          p.offer = offerOf(log.args.offer);
        });
      case "ProviderPaused":
        return this.update(log, (p) => {
          p.paused = true;
        });
      case "ProviderResumed":
        return this.update(log, (p) => {
          p.paused = false;
        });
      case "StakeAdded":
        return this.update(log, (p) => {
          p.stake = log.args.stake;
        });
      case "WithdrawalRequested":
        return this.update(log, (p) => {
          p.stake -= log.args.amount;
          p.exitAmount = log.args.exitAmount;
          p.exitUnlocksAt = Number(log.args.unlocksAt);
        });
      case "StakeWithdrawn":
        return this.update(log, (p) => {
          p.exitAmount = 0n;
          p.exitUnlocksAt = 0;
        });
      case "CollateralLocked":
      case "CollateralUnlocked":
        return this.update(log, (p) => {
          p.lockedCollateral = log.args.locked;
        });
      case "ProviderSlashed":
        return this.update(log, (p) => {
          // The registry takes locked collateral, then free stake, then the exit (IProviderRegistry.slash).
          const fromStake = log.args.amount - log.args.fromExit;
          // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min takes numbers only
          p.lockedCollateral -= fromStake < p.lockedCollateral ? fromStake : p.lockedCollateral;
          p.stake -= fromStake;
          p.exitAmount -= log.args.fromExit;
          p.slashes++;
          p.slashedTotal += log.args.amount;
        });
      default:
        // Role events and anything added later: nothing about a provider's listing.
        return undefined;
    }
  }

  private update(log: RegistryLog & { args: { provider: Address } }, change: (p: ProviderRecord) => void) {
    const record = this.byAddressMap.get(getAddress(log.args.provider));
    // Every provider event follows its registration on-chain; one without is from a source
    // that started late, and there is no record to change.
    if (record === undefined) return undefined;
    change(record);
    record.updatedAtBlock = log.blockNumber;
    return record;
  }

  private setEndpoints(
    record: ProviderRecord,
    peerIdBytes: `0x${string}`,
    published: readonly string[],
  ): void {
    if (record.peerId !== undefined) {
      const wallets = this.claims.get(record.peerId);
      wallets?.delete(record.address);
      if (wallets?.size === 0) this.claims.delete(record.peerId);
    }
    record.peerId = peerIdFromRegistryBytes(peerIdBytes);
    const endpoints = splitEndpoints(published);
    record.multiaddrs = endpoints.libp2p;
    record.apiUrls = endpoints.api;
    if (record.peerId !== undefined) {
      const wallets = this.claims.get(record.peerId) ?? new Set<Address>();
      wallets.add(record.address);
      this.claims.set(record.peerId, wallets);
    }
  }
}
