/**
 * The market agent's proving and validating half (issue 6):
 *
 * - `Prover` (prover.ts): proves every held slot every period, all due proofs in one
 *   `submitProofs`, early in the period; alerts on a proof that could not be sent in time.
 * - `Validator` (validator.ts): the optional role that marks missed proofs of any running
 *   slot within the marking window, for the reward; never a proof that was submitted.
 * - `HeldSlotStore` (held-slots.ts): the slots this node holds, the persisted part of the
 *   slot state machine that proving needs (the sales side fills it in).
 * - schema.ts: their tables, as one migration body.
 *
 * Both take the node's `TransactionSender` (node/src/chain), so their transactions share
 * the node's nonces with everything else it sends.
 */
import { logger as defaultLogger } from "../logging/index.ts";
import { Prover, type ProverComponents, type ProverInit } from "./prover.ts";
import { Validator, type ValidatorComponents, type ValidatorInit } from "./validator.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export {
  type HeldSlot,
  type HeldSlotState,
  HeldSlotStore,
  type NewHeldSlot,
  type ProofOutcome,
} from "./held-slots.ts";
export { type MarketTiming, periodBounds, readMarketTiming } from "./market-config.ts";
export { buildSlotProof, type MarketProof, type SlotBlockSource } from "./proof-builder.ts";
export { MARKET_SCHEMA } from "./schema.ts";
export { type MarkOutcome, ValidatorSlotStore, type WatchedSlot } from "./validator-slots.ts";
export {
  Prover,
  type ProverComponents,
  type ProverInit,
  Validator,
  type ValidatorComponents,
  type ValidatorInit,
};

type WithOptionalLogger<T extends { logger: unknown }> = Omit<T, "logger"> & Partial<Pick<T, "logger">>;

export function createProver(components: WithOptionalLogger<ProverComponents>, init: ProverInit): Prover {
  return new Prover({ ...components, logger: components.logger ?? defaultLogger("market:prover") }, init);
}

/** Create it before starting the watcher: it subscribes to the watcher's events here. */
export function createValidator(
  components: WithOptionalLogger<ValidatorComponents>,
  init: ValidatorInit,
): Validator {
  return new Validator(
    { ...components, logger: components.logger ?? defaultLogger("market:validator") },
    init,
  );
}
