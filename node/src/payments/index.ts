/**
 * Payments for the block exchange over PaymentChannels (docs/contracts.md).
 *
 * - Provider: `createProviderAccounting` checks each voucher (signature, sender, recipient,
 *   increasing total within the deposit), stores the latest one before it counts, keeps a
 *   ledger per peer with a free allowance and a credit limit, and cashes vouchers on-chain.
 * - Client: `createChannelPayer` opens and tops up channels within a budget and signs
 *   cumulative vouchers; `ChannelExchangePayer` plugs it into the exchange's sessions, and
 *   `registryRecipientCheck` makes it pay a provider only at the wallet the registry binds
 *   to the provider's peer id.
 *
 * Tables: `PAYMENTS_SCHEMA` and `PAYMENT_DEBTS_SCHEMA` (schema.ts), appended to the
 * metadata store's migrations.
 */
import { type Address, isAddress } from "viem";
import type { TransactionSender } from "../chain/types.ts";
import type { TypedDataSigner } from "../core/voucher.ts";
import { type Logger, logger as createLogger } from "../logging/index.ts";
import type { ReputationRecorder } from "../reputation/types.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import type { ChannelReader } from "./channel-reader.ts";
import { ChannelPayer } from "./channel-payer.ts";
import {
  DEFAULT_CHANNEL_DEPOSIT,
  DEFAULT_CLOSE_DELAY,
  DEFAULT_CLOSE_WATCH_INTERVAL,
  DEFAULT_FREE_ALLOWANCE,
  DEFAULT_FREE_ALLOWANCE_REFILL_PER_SECOND,
  DEFAULT_PAYMENT_THRESHOLD,
  DEFAULT_PAYMENT_TOLERANCE_PERCENT,
  DEFAULT_SETTLE_THRESHOLD,
} from "./constants.ts";
import { InvalidPaymentsConfigError } from "./errors.ts";
import { ProviderAccounting } from "./provider-accounting.ts";

export {
  type ChannelInfo,
  type ChannelReader,
  type ChannelState,
  contractChannelReader,
} from "./channel-reader.ts";
export { ChannelPayer } from "./channel-payer.ts";
export { type SentChannel, SentChannelTable } from "./channel-table.ts";
export { sendChannelDeposit, sendOpenChannel } from "./channel-writes.ts";
export * from "./constants.ts";
export * from "./errors.ts";
export { ChannelExchangePayer } from "./exchange-payer.ts";
export { FreeAllowance } from "./free-allowance.ts";
export { type RecipientCheck, type RegisteredProviders, registryRecipientCheck } from "./recipient-check.ts";
export { type PeerLedger, ProviderAccounting } from "./provider-accounting.ts";
export { PAYMENT_DEBTS_SCHEMA, PAYMENTS_SCHEMA, withPaymentsMigrations } from "./schema.ts";
export { type ReceivedVoucher, ReceivedVoucherTable } from "./voucher-table.ts";

/** Where vouchers are redeemed. */
export interface PaymentsChain {
  chainId: number;
  /** The PaymentChannels contract. */
  paymentChannels: Address;
}

export interface ProviderAccountingConfig extends PaymentsChain {
  /** wei per block quoted to every peer. */
  pricePerBlock: bigint;
  /** Debt (wei) past which we wait for a voucher. @default DEFAULT_PAYMENT_THRESHOLD (0.001 ETH) */
  paymentThreshold?: bigint;
  /** Extra debt tolerated past the threshold, in % of it. @default DEFAULT_PAYMENT_TOLERANCE_PERCENT (25) */
  tolerancePercent?: bigint;
  /** Free service per peer (wei). @default DEFAULT_FREE_ALLOWANCE (0) */
  freeAllowance?: bigint;
  /** wei per second the free allowance refills. @default DEFAULT_FREE_ALLOWANCE_REFILL_PER_SECOND (0) */
  freeAllowanceRefillPerSecond?: bigint;
  /** Unsettled voucher value (wei) that triggers `settle`. @default DEFAULT_SETTLE_THRESHOLD (0.01 ETH) */
  settleThreshold?: bigint;
  /** ms between checks for closing channels; 0 disables. @default DEFAULT_CLOSE_WATCH_INTERVAL (60 s) */
  closeWatchInterval?: number;
}

export interface ProviderAccountingComponents {
  metadata: MetadataStore;
  channels: ChannelReader;
  transactions: TransactionSender;
  reputation?: ReputationRecorder;
  /** @default logger("payments") */
  logger?: Logger;
}

export interface ChannelPayerConfig extends PaymentsChain {
  /** The most wei kept deposited in channels that are not closed. */
  budget: bigint;
  /** What a new channel or a top-up deposits, unless more is needed. @default DEFAULT_CHANNEL_DEPOSIT (0.01 ETH) */
  channelDeposit?: bigint;
  /** seconds between a close request and the refund. @default DEFAULT_CLOSE_DELAY (1 day) */
  closeDelay?: number;
}

export interface ChannelPayerComponents {
  metadata: MetadataStore;
  channels: ChannelReader;
  transactions: TransactionSender;
  signer: TypedDataSigner;
  /** @default logger("payments") */
  logger?: Logger;
}

function nonNegative(field: string, value: bigint): bigint {
  if (typeof value !== "bigint" || value < 0n)
    throw new InvalidPaymentsConfigError(field, "must be a bigint >= 0");
  return value;
}

function checkChain(config: PaymentsChain): void {
  if (!Number.isSafeInteger(config.chainId) || config.chainId < 1) {
    throw new InvalidPaymentsConfigError("chainId", `must be a positive integer, got ${config.chainId}`);
  }
  if (!isAddress(config.paymentChannels, { strict: false })) {
    throw new InvalidPaymentsConfigError("paymentChannels", "must be an address");
  }
}

export function createProviderAccounting(
  components: ProviderAccountingComponents,
  config: ProviderAccountingConfig,
): ProviderAccounting {
  checkChain(config);
  const paymentThreshold = nonNegative(
    "paymentThreshold",
    config.paymentThreshold ?? DEFAULT_PAYMENT_THRESHOLD,
  );
  if (paymentThreshold === 0n) throw new InvalidPaymentsConfigError("paymentThreshold", "must be above 0");
  const closeWatchInterval = config.closeWatchInterval ?? DEFAULT_CLOSE_WATCH_INTERVAL;
  if (!Number.isSafeInteger(closeWatchInterval) || closeWatchInterval < 0) {
    throw new InvalidPaymentsConfigError("closeWatchInterval", "must be an integer >= 0 (ms)");
  }
  return new ProviderAccounting(
    { ...components, logger: components.logger ?? createLogger("payments") },
    {
      chainId: config.chainId,
      paymentChannels: config.paymentChannels,
      pricePerBlock: nonNegative("pricePerBlock", config.pricePerBlock),
      paymentThreshold,
      tolerancePercent: nonNegative(
        "tolerancePercent",
        config.tolerancePercent ?? DEFAULT_PAYMENT_TOLERANCE_PERCENT,
      ),
      freeAllowance: nonNegative("freeAllowance", config.freeAllowance ?? DEFAULT_FREE_ALLOWANCE),
      freeAllowanceRefillPerSecond: nonNegative(
        "freeAllowanceRefillPerSecond",
        config.freeAllowanceRefillPerSecond ?? DEFAULT_FREE_ALLOWANCE_REFILL_PER_SECOND,
      ),
      settleThreshold: nonNegative("settleThreshold", config.settleThreshold ?? DEFAULT_SETTLE_THRESHOLD),
      closeWatchInterval,
    },
  );
}

export function createChannelPayer(
  components: ChannelPayerComponents,
  config: ChannelPayerConfig,
): ChannelPayer {
  checkChain(config);
  const closeDelay = config.closeDelay ?? DEFAULT_CLOSE_DELAY;
  if (!Number.isSafeInteger(closeDelay) || closeDelay < 0 || closeDelay > 365 * 24 * 3600) {
    throw new InvalidPaymentsConfigError("closeDelay", "must be whole seconds in [0, 365 days]");
  }
  if (components.signer.address.toLowerCase() !== components.transactions.address.toLowerCase()) {
    throw new InvalidPaymentsConfigError("signer", "must be the account that sends the transactions");
  }
  return new ChannelPayer(
    { ...components, logger: components.logger ?? createLogger("payments") },
    {
      chainId: config.chainId,
      paymentChannels: config.paymentChannels,
      budget: nonNegative("budget", config.budget),
      channelDeposit: nonNegative("channelDeposit", config.channelDeposit ?? DEFAULT_CHANNEL_DEPOSIT),
      closeDelay,
    },
  );
}
