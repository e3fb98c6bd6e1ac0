/**
 * What the chain says about one slot: the request's terms (requestInfo), the slot's state
 * (slotInfo), and what only the request's event carries (the plain slot root, the
 * designated provider, the dataset CID). A request's event never changes, so it is read
 * once per request and kept.
 */
import { CID } from "multiformats/cid";
import { type Address, type Hex, hexToBytes, isAddressEqual, type PublicClient, zeroAddress } from "viem";
import { slotIdOf } from "../core/index.ts";
import { storageMarketAbi } from "../generated/contracts.ts";
import { RequestState, SlotState } from "../market/index.ts";
import { REQUEST_STATE_NAMES, SLOT_STATE_NAMES } from "./constants.ts";
import { SlotRefusedError } from "./errors.ts";

/** A request's fixed part, from its `StorageRequested` event. */
export interface RequestedSlots {
  /** The dataset manifest's CID (text), or the raw bytes as hex if they are not a CID. */
  datasetCid: string;
  /** Plain slot roots, by index. */
  slotRoots: readonly Hex[];
  /** Designated provider by index; undefined for an open slot. */
  providers: readonly (Address | undefined)[];
}

export interface SlotTerms {
  requestId: Hex;
  slotId: Hex;
  index: number;
  client: Address;
  /** IStorageMarket.RequestState, as of now. */
  requestState: number;
  slots: number;
  dataSlots: number;
  slotSize: bigint;
  duration: bigint;
  /** Unix s. */
  endsAt: bigint;
  pricePerBytePerSecond: bigint;
  collateralPerByte: bigint;
  proofProbability: number;
  /** IStorageMarket.SlotState. */
  slotState: number;
  host: Address;
  /** What the market stores: the root, or keccak(root, provider) for a designated slot not yet filled. */
  onChainRoot: Hex;
  /** The slot's plain root, from the request. */
  root: Hex;
  designatedTo: Address | undefined;
  datasetCid: string;
}

export interface TermsReaderInit {
  market: Address;
  /** The market's deploy block: where the request events are looked for. */
  fromBlock: bigint;
}

/** Reads slot terms, keeping each request's event once read. */
export class TermsReader {
  readonly #client: PublicClient;
  readonly #market: Address;
  readonly #fromBlock: bigint;
  readonly #requested = new Map<string, RequestedSlots>();

  constructor(client: PublicClient, init: TermsReaderInit) {
    this.#client = client;
    this.#market = init.market;
    this.#fromBlock = init.fromBlock;
  }

  /** The slot's terms now. Throws `SlotRefusedError` for an unknown request or slot index. */
  async read(requestId: Hex, index: number): Promise<SlotTerms> {
    const request = await this.#client.readContract({
      address: this.#market,
      abi: storageMarketAbi,
      functionName: "requestInfo",
      args: [requestId],
    });
    if (Number(request.state) === RequestState.None)
      throw new SlotRefusedError("unknown-request", `no request ${requestId} on the market`);
    if (index >= Number(request.slots))
      throw new SlotRefusedError(
        "unknown-slot",
        `request ${requestId} has ${request.slots} slots; there is no slot ${index}`,
      );
    const slotId = slotIdOf(requestId, index);
    const [slot, requested] = await Promise.all([
      this.#client.readContract({
        address: this.#market,
        abi: storageMarketAbi,
        functionName: "slotInfo",
        args: [slotId],
      }),
      this.requested(requestId),
    ]);
    const root = requested.slotRoots[index];
    if (root === undefined) throw new Error(`internal: request ${requestId}'s event has no slot ${index}`);
    return {
      requestId,
      slotId,
      index,
      client: request.client,
      requestState: Number(request.state),
      slots: Number(request.slots),
      dataSlots: Number(request.dataSlots),
      slotSize: BigInt(request.slotSize),
      duration: BigInt(request.duration),
      endsAt: BigInt(request.endsAt),
      pricePerBytePerSecond: request.pricePerBytePerSecond,
      collateralPerByte: request.collateralPerByte,
      proofProbability: Number(request.proofProbability),
      slotState: Number(slot.state),
      host: slot.host,
      onChainRoot: slot.root,
      root,
      designatedTo: requested.providers[index],
      datasetCid: requested.datasetCid,
    };
  }

  /** The request's event, read once. */
  async requested(requestId: Hex): Promise<RequestedSlots> {
    const known = this.#requested.get(requestId.toLowerCase());
    if (known !== undefined) return known;
    const logs = await this.#client.getContractEvents({
      address: this.#market,
      abi: storageMarketAbi,
      eventName: "StorageRequested",
      args: { requestId },
      fromBlock: this.#fromBlock,
      strict: true,
    });
    const request = logs[0]?.args.request;
    if (request === undefined)
      throw new SlotRefusedError("unknown-request", `no StorageRequested event for request ${requestId}`);
    const requested = requestedSlots(request);
    this.#requested.set(requestId.toLowerCase(), requested);
    return requested;
  }
}

/** The parts of a `StorageRequested` request that selling needs. */
export function requestedSlots(request: {
  cid: Hex;
  slotRoots: readonly Hex[];
  providers: readonly Address[];
}): RequestedSlots {
  return {
    datasetCid: cidText(request.cid),
    slotRoots: request.slotRoots,
    providers: request.slotRoots.map((_, i) => {
      const provider = request.providers[i];
      return provider === undefined || isAddressEqual(provider, zeroAddress) ? undefined : provider;
    }),
  };
}

function cidText(bytes: Hex): string {
  try {
    return CID.decode(hexToBytes(bytes)).toString();
  } catch {
    return bytes;
  }
}

/** How `me` may fill the slot: as its designee, as an open slot, or as a repair. */
export type Opening = { designation: "mine" | "open"; repair: boolean };

/**
 * Whether the slot takes a fill from `me` now, as the market would decide it before
 * looking at the data (`fillSlot`'s state and designation checks). Throws `SlotRefusedError`.
 */
export function openingFor(terms: SlotTerms, me: Address): Opening {
  const requestState = terms.requestState;
  const slotState = terms.slotState;
  const repair = requestState === RequestState.Started && slotState === SlotState.Repair;
  const fresh = requestState === RequestState.New && slotState === SlotState.Free;
  if (!repair && !fresh) {
    if (requestState !== RequestState.New && requestState !== RequestState.Started)
      throw new SlotRefusedError(
        "request-not-open",
        `request ${terms.requestId} is ${REQUEST_STATE_NAMES[requestState] ?? requestState} and takes no fills`,
      );
    throw new SlotRefusedError(
      "slot-not-free",
      `slot ${terms.index} of request ${terms.requestId} is ${SLOT_STATE_NAMES[slotState] ?? slotState}` +
        (isAddressEqual(terms.host, zeroAddress) ? "" : `, held by ${terms.host}`),
    );
  }
  // A freed slot is open to anyone, designated or not (else a vanished designee could
  // never be replaced).
  if (repair) return { designation: "open", repair: true };
  if (terms.designatedTo === undefined) return { designation: "open", repair: false };
  if (isAddressEqual(terms.designatedTo, me)) return { designation: "mine", repair: false };
  throw new SlotRefusedError(
    "designated-to-other",
    `slot ${terms.index} of request ${terms.requestId} is designated to ${terms.designatedTo}, not this node (${me})`,
  );
}
