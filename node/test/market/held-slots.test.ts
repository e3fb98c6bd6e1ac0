import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  HeldSlotStore,
  InvalidHeldSlotError,
  MARKET_SCHEMA,
  type NewHeldSlot,
} from "../../src/market/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import { metadataStore, tempFolder } from "../chain/helpers.ts";

const folder = tempFolder("cairn-held-");
let store: MetadataStore | undefined;
afterEach(() => {
  store?.stop();
});
afterAll(() => folder.remove());

function slot(overrides: Partial<NewHeldSlot> = {}): NewHeldSlot {
  return {
    slotId: `0x${"11".repeat(30)}0002`,
    requestId: `0x${"11".repeat(30)}0000`,
    slotIndex: 2,
    datasetCid: "bafyreiexample",
    slotRoot: `0x${"22".repeat(32)}`,
    slotSize: 2 * 262_144,
    blockSize: 262_144,
    cellSize: 256,
    blockRoots: new Uint8Array(64).fill(7),
    blockCids: ["bafkreia", "bafkreib"],
    proofProbability: 3,
    endsAt: 2_000_000_000,
    ...overrides,
  };
}

describe("HeldSlotStore", () => {
  it("keeps a slot through restarts, with its blocks in order and its state", () => {
    const path = join(folder.path, "keep.sqlite");
    store = metadataStore(path, [MARKET_SCHEMA]);
    const held = new HeldSlotStore(store);
    expect(held.add(slot()).state).toBe("filling");
    held.markFilled(slot().slotId, 41n);
    held.recordProof(slot().slotId, 42n, "submitted", { txHash: `0x${"33".repeat(32)}` });
    store.stop();

    store = metadataStore(path, [MARKET_SCHEMA]);
    const reopened = new HeldSlotStore(store);
    const got = reopened.mustGet(slot().slotId);
    expect(got).toMatchObject({ state: "filled", filledPeriod: 41n, proofProbability: 3, slotIndex: 2 });
    expect(got.blockRoots).toEqual(slot().blockRoots);
    expect(reopened.blockCids(slot().slotId)).toEqual(["bafkreia", "bafkreib"]);
    expect(reopened.inState("filled").map((s) => s.slotId)).toEqual([slot().slotId]);
    expect(reopened.proofOutcome(slot().slotId, 42n)).toBe("submitted");
    reopened.setState(slot().slotId, "freed");
    expect(reopened.inState("filled")).toEqual([]);
  });

  it("refuses a slot whose description does not add up, naming the field", () => {
    store = metadataStore(join(folder.path, "bad.sqlite"), [MARKET_SCHEMA]);
    const held = new HeldSlotStore(store);
    const cases: Array<[Partial<NewHeldSlot>, string]> = [
      [{ slotId: "0x1234" }, "slotId"],
      [{ blockCids: ["bafkreia"] }, "blockCids"],
      [{ blockRoots: new Uint8Array(32) }, "blockRoots"],
      [{ slotSize: 300_000 }, "slotSize"],
      [{ cellSize: 300 }, "cellSize"],
      [{ proofProbability: 0 }, "proofProbability"],
      [{ state: "filled" }, "filledPeriod"],
    ];
    for (const [overrides, field] of cases) {
      const err = (() => {
        try {
          held.add(slot(overrides));
        } catch (e) {
          return e;
        }
      })();
      expect(err, field).toBeInstanceOf(InvalidHeldSlotError);
      expect((err as InvalidHeldSlotError).field).toBe(field);
    }
    expect(held.inState("filling")).toEqual([]);
  });
});
