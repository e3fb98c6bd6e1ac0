import { describe, expect, it } from "vitest";
import { classifySendError } from "../../src/chain/index.ts";

describe("classifySendError", () => {
  it.each([
    ["already known", "known"],
    ["0x7e4d…3b81: this transaction is already in the TxPool", "known"],
    ["nonce too low", "nonce-too-low"],
    ["replacement transaction underpriced", "underpriced"],
    ["execution reverted", "other"],
  ])("reads %j as %s, whichever client said it", (message, refusal) => {
    expect(classifySendError(new Error(message))).toBe(refusal);
  });
});
