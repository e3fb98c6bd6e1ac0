/**
 * Selling storage (issue 6, the provider's side): taking slots and filling them.
 *
 * - `Sales` (sales.ts): judges a slot (chain state, designation, the availability policy),
 *   streams its data into the block store bounded to the slot size, checks the data's
 *   root against the chain's, records the held slot and sends `fillSlot` with a first
 *   proof; resumes unfinished fills at start. The upload route and the agent share it.
 * - `decide` (availability.ts): the pure policy (space, price, duration, collateral,
 *   open slots, repairs).
 * - `SalesAgent` (sales-agent.ts): hears of new requests and freed slots through the
 *   chain watcher, takes the ones the policy accepts by rebuilding them from other
 *   providers' slots, and collects finished slots' payouts.
 * - `SlotCollector` (slot-collector.ts): collects a held slot's payout once its request
 *   ended and records it; the agent and `cairn provider collect` share one.
 * - `HttpSlotSource` (slot-source.ts): fetches another provider's slot over its REST API.
 * - schema.ts: the agent's tables, as one migration body.
 */
import { logger as defaultLogger } from "../logging/index.ts";
import { SalesAgent, type SalesAgentComponents, type SalesAgentInit } from "./sales-agent.ts";
import { Sales, type SalesComponents, type SalesInit } from "./sales.ts";

export * from "./availability.ts";
export { BlockPins, isBlockReferenced, removeUnreferenced } from "./block-refs.ts";
export * from "./constants.ts";
export * from "./errors.ts";
export { type FillResult, SlotFiller } from "./filler.ts";
export { ManifestKeeper, type ManifestKeeperComponents, type ManifestKeeperInit } from "./manifest-keeper.ts";
export { rebuildSlot } from "./rebuild.ts";
export { SALES_SCHEMA } from "./schema.ts";
export {
  type CollectionRecord,
  type Collection,
  type CollectOutcome,
  requestStateName,
  SlotCollector,
  type SlotCollectorComponents,
  type SlotCollectorInit,
} from "./slot-collector.ts";
export {
  directoryLocator,
  HttpSlotSource,
  type ProviderLocator,
  registryLocator,
  type SlotSource,
} from "./slot-source.ts";
export { type Opening, openingFor, type SlotTerms, TermsReader } from "./terms.ts";
export {
  Sales,
  SalesAgent,
  type SalesAgentComponents,
  type SalesAgentInit,
  type SalesComponents,
  type SalesInit,
};
export type { SlotOffer, TakenSlot } from "./sales.ts";

type WithOptionalLogger<T extends { logger: unknown }> = Omit<T, "logger"> & Partial<Pick<T, "logger">>;

export function createSales(components: WithOptionalLogger<SalesComponents>, init: SalesInit): Sales {
  return new Sales({ ...components, logger: components.logger ?? defaultLogger("sales") }, init);
}

/** Create it before starting the watcher: it subscribes to the watcher's events here. */
export function createSalesAgent(
  components: WithOptionalLogger<SalesAgentComponents>,
  init: SalesAgentInit,
): SalesAgent {
  return new SalesAgent({ ...components, logger: components.logger ?? defaultLogger("sales:agent") }, init);
}
