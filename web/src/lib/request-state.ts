/** The market's enums as words (IStorageMarket.RequestState / SlotState order). */
export const REQUEST_STATES = ["None", "New", "Started", "Finished", "Failed", "Cancelled"] as const;
export const SLOT_STATES = ["Free", "Filled", "Repair", "Collected"] as const;

export const requestStateName = (state: number) => REQUEST_STATES[state] ?? `unknown (${state})`;
export const slotStateName = (state: number) => SLOT_STATES[state] ?? `unknown (${state})`;
