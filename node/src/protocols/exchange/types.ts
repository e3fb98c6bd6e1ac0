import type { AbortOptions } from "@libp2p/interface";
import type { CID } from "multiformats/cid";

/** What the exchange needs of a block store; `FsBlockstore` provides it. */
export interface ExchangeBlockstore {
  has(cid: CID, options?: AbortOptions): Promise<boolean>;
  /** One block's bytes; rejects with an error named `NotFoundError` when the block is absent. */
  getBytes(cid: CID, options?: AbortOptions): Promise<Uint8Array>;
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<CID>;
}

/** A provider's answer to a want-have. */
export interface Presence {
  cid: CID;
  have: boolean;
  /** Price per block the provider quoted (wei). */
  price: bigint;
}

/** What a provider charges, sent to the client as the first message on each stream. */
export interface ProviderTerms {
  /** The provider's wallet: the recipient of the client's channel. */
  recipient: `0x${string}`;
  /** wei per block */
  pricePerBlock: bigint;
  /** Debt (wei) past which the provider waits for a voucher; the client pays at half. */
  paymentThreshold: bigint;
}

/** A signed cumulative voucher, as carried by a `payment` message. */
export interface SignedVoucher {
  channelId: `0x${string}`;
  cumulativeAmount: bigint;
  signature: `0x${string}`;
}

/** Where a client's vouchers come from, as carried by an `account` message. */
export interface PayerAccount {
  address: `0x${string}`;
  channelId: `0x${string}`;
}

/**
 * The provider's side of payments, as the DecisionEngine uses it. The payments service
 * (node/src/payments) implements it; without one, the provider serves for free.
 */
export interface ExchangeCashier {
  /** The terms quoted to every peer. */
  terms(): ProviderTerms;
  /** A peer names the wallet and channel its vouchers come from. Throws on a bad one. */
  declareAccount(peer: string, account: PayerAccount): void;
  /**
   * Checks a voucher, stores it durably, and only then credits the peer. Resolves with the
   * amount credited: 0 for a valid voucher not above the one held for its channel (one
   * overtaken by a later voucher, or sent twice), which is ignored and does not end the
   * stream. Throws `VoucherRejectedError` (nothing credited) for any other fault.
   */
  receivePayment(peer: string, voucher: SignedVoucher): Promise<bigint>;
  /**
   * Charges one block if the peer stays within its credit: the free allowance first, then
   * debt up to the threshold plus tolerance, scaled by `creditFactor` (0 to 1, from the
   * peer's paying reputation). Returns false, charging nothing, when it would not.
   */
  tryCharge(peer: string, price: bigint, creditFactor: number): boolean;
  /** Resolves at the peer's next accepted payment; rejects when `signal` aborts. */
  nextPayment(peer: string, signal: AbortSignal): Promise<void>;
  /** The peer stayed past its credit without paying: record it and cash what we hold. */
  cutOff(peer: string): void;
}

/**
 * The client's side of payments, as sessions use it. The payments service implements it;
 * without one, a session to a provider that states a price above zero fails.
 */
export interface ExchangePayer {
  /**
   * Opens or tops up a channel to the provider as needed; the account to announce. The
   * payer counts what the peer is owed from this call on, while the channel is opening.
   */
  openAccount(peer: string, terms: ProviderTerms, signal?: AbortSignal): Promise<PayerAccount>;
  /**
   * Adds one received block's price to the debt owed to the peer, across all its sessions.
   * Returns a voucher to send once the peer's account is open and the debt reaches half the
   * provider's threshold, otherwise undefined. A price of 0 only asks whether one is due.
   */
  owe(peer: string, price: bigint): Promise<SignedVoucher> | undefined;
  /**
   * A voucher for all the peer is owed, whatever the threshold, once its account is open;
   * undefined when nothing is owed. For a debt no open session will carry on paying.
   */
  payOwed(peer: string): Promise<SignedVoucher> | undefined;
}
