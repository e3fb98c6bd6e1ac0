/**
 * Purchasing: the client's side of a storage deal, run by the client's node.
 *
 * - quote.ts: choose n = k + m providers from the registry's offers and reputations
 *   (core's `selectProviders`), with the escrow from the market's view and the expected
 *   durability;
 * - purchase.ts: the persisted state machine of each purchase (request with escrow, push
 *   each slot's bytes to its provider, follow the request until it starts, withdraw when it
 *   ends, fails or is cancelled), resumed after a restart;
 * - slot-push.ts: one slot streamed from the block store to a provider's REST API;
 * - provider-source.ts: where the candidate providers come from (the discovery directory,
 *   or a scan of the registry's events).
 *
 *   const purchasing = createPurchasing(
 *     { sender, publicClient, metadata, blockstore, providers: directoryProviderSource(directory), reputation },
 *     { market: contracts.StorageMarket.address });
 *   purchasing.start();
 *   const { purchase } = await purchasing.buy({ cid, duration: 86_400n, maxPricePerBytePerSecond: 10n });
 */
import { Purchasing, type PurchasingComponents, type PurchasingInit } from "./purchase.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { MarketReader, type OnChainRequest, type OnChainSlotState } from "./market.ts";
export {
  directoryProviderSource,
  type ProviderSource,
  type RegistryScanInit,
  registryScanProviderSource,
} from "./provider-source.ts";
export {
  type BuyInput,
  type PurchaseProgressEvent,
  Purchasing,
  type PurchasingComponents,
  type PurchasingInit,
  type PurchaseStatus,
} from "./purchase.ts";
export type { MarketRequest, PurchaseRecord, PurchaseSlot, PurchaseState } from "./purchase-table.ts";
export { type Quote, type QuoteInput, type QuotedProvider, quoteStorage, slotSizeFor } from "./quote.ts";
export { probeProviderApi } from "./provider-probe.ts";
export { PURCHASING_SCHEMA } from "./schema.ts";
export { pushSlot, slotUploadUrl } from "./slot-push.ts";

export function createPurchasing(components: PurchasingComponents, init: PurchasingInit): Purchasing {
  return new Purchasing(components, init);
}
