/**
 * Plain-words messages for every custom error in the deployed contracts' ABIs.
 *
 * The key type is derived from the generated ABIs, so adding an error to a contract makes
 * this file fail to type-check until it has a message, and a removed error is flagged as an
 * unknown key. `{name}` is replaced by the error's argument of that name, formatted for
 * people (ether amounts, dates, request states); see describe-error.ts.
 */
import type { abis } from "@cairn/node/contracts";

type AbiErrors = Extract<(typeof abis)[keyof typeof abis][number], { type: "error" }>;
export type ContractErrorName = AbiErrors["name"];

export const ERROR_MESSAGES: Record<ContractErrorName, string> = {
  // OpenZeppelin and compiler-level errors the contracts can surface.
  AccessControlBadConfirmation: "Only the account itself can renounce its role.",
  AccessControlUnauthorizedAccount: "Account {account} is not allowed to do this (it lacks a role).",
  FailedCall: "A transfer of ether failed.",
  InsufficientBalance: "The contract holds {balance}, but {needed} is needed.",
  ReentrancyGuardReentrantCall: "The contract refused a nested call.",
  SafeCastOverflowedUintDowncast: "The value {value} is too large for this field ({bits} bits).",
  InvalidShortString: "A name in the signing domain is too long.",
  StringTooLong: "The text is too long.",

  // ProviderRegistry
  ProviderRegistryAlreadyPaused: "This provider is already paused.",
  ProviderRegistryAlreadyRegistered: "This account is already registered as a provider.",
  ProviderRegistryExitLocked: "The stake withdrawal is still unbonding; it unlocks at {unlocksAt}.",
  ProviderRegistryInsufficientFreeStake:
    "Not enough free stake: {free} is free (not locked as collateral), {needed} is needed.",
  ProviderRegistryInvalidConfig: "The registry's configuration is invalid.",
  ProviderRegistryInvalidOffer:
    "The offer is invalid: price and capacity must be above zero and the minimum duration at most the maximum.",
  ProviderRegistryInvalidShares: "The slash shares do not add up ({sharesTotal} for {amount}).",
  ProviderRegistryNoExit: "There is no stake withdrawal to complete; request one first.",
  ProviderRegistryNotActive: "This provider cannot take slots before {activeFrom}.",
  ProviderRegistryNotPaused: "This provider is not paused.",
  ProviderRegistryNotRegistered: "Account {provider} is not a registered provider.",
  ProviderRegistryPaused: "This provider is paused; resume it first.",
  ProviderRegistrySlashExceedsStake: "A slash of {amount} exceeds the stake within reach ({available}).",
  ProviderRegistryStakeTooLow: "The stake {stake} is below the minimum stake of {minStake}.",
  ProviderRegistryUnlockExceedsLocked: "Cannot unlock {amount}: only {locked} is locked.",
  ProviderRegistryZeroAmount: "The amount must be above zero.",

  // StorageMarket
  StorageMarketAlreadyWithdrawn: "The escrow of this request was already withdrawn.",
  StorageMarketInvalidConfig: "The market's configuration is invalid ({field}).",
  StorageMarketInvalidProof: "The storage proof does not match the slot's root.",
  StorageMarketInvalidRequest: "The storage request is invalid: {field}.",
  StorageMarketMarkingWindowClosed: "Too late to mark a missed proof for period {period}.",
  StorageMarketMissAlreadyMarked: "The missed proof of period {period} was already marked.",
  StorageMarketNotClient: "Only the request's client can do this ({caller} is not).",
  StorageMarketNotDesignated: "This slot is reserved for another provider than {provider}.",
  StorageMarketNotSlotHost: "Only the slot's host can do this ({caller} is not).",
  StorageMarketOfferRejectsTerms:
    "Provider {provider}'s offer does not accept these terms (price, collateral, duration or size).",
  StorageMarketPeriodNotEnded: "Period {period} has not ended yet.",
  StorageMarketProofAlreadySubmitted: "A proof for period {period} was already submitted.",
  StorageMarketProofNotMissing: "The proof of period {period} is not missing.",
  StorageMarketProofNotRequired: "No proof was required in period {period}.",
  StorageMarketRequestExists: "A request with this id already exists; try again (a new nonce is drawn).",
  StorageMarketRequestNotActive: "The request is not active (it is {state}).",
  StorageMarketRequestNotEnded: "The request has not ended yet (it is {state}).",
  StorageMarketRequestNotStarted: "The request has not started (it is {state}).",
  StorageMarketSeedUnavailable: "The randomness for period {period} is not available.",
  StorageMarketSlotNotFilled: "The slot is not filled.",
  StorageMarketSlotNotFree: "The slot is already taken.",
  StorageMarketUnexpectedPayment: "The market does not accept plain payments.",
  StorageMarketUnknownRequest: "No storage request has this id.",
  StorageMarketUnknownSlot: "No slot has this id.",
  StorageMarketWrongEscrow: "The escrow must be exactly {required}; {sent} was sent.",
  StorageMarketWrongPeriod: "The proof is for period {period}, but the current period is {current}.",

  // PaymentChannels
  PaymentChannelsChannelClosed: "This channel is closed.",
  PaymentChannelsCloseAlreadyRequested: "Closing was already requested; the channel closes at {closesAt}.",
  PaymentChannelsCloseDelayNotOver: "The close delay is not over; wait until {closesAt}.",
  PaymentChannelsCloseDelayTooLong:
    "The close delay {closeDelay} s is longer than the maximum {maxCloseDelay} s.",
  PaymentChannelsCloseNotRequested: "Request to close the channel first.",
  PaymentChannelsInsufficientDeposit: "The channel holds {deposited}, less than the voucher's {offered}.",
  PaymentChannelsInvalidRecipient: "{recipient} cannot be a channel's recipient.",
  PaymentChannelsInvalidSignature: "The voucher's signature is not the sender's (signed by {signer}).",
  PaymentChannelsNotRecipient: "Only the channel's recipient can do this ({caller} is not).",
  PaymentChannelsNotSender: "Only the channel's sender can do this ({caller} is not).",
  PaymentChannelsUnknownChannel: "No channel has this id.",
  PaymentChannelsVoucherTooLow: "The voucher ({offered}) is not above what was already paid ({paid}).",
  PaymentChannelsZeroDeposit: "The deposit must be above zero.",
};
