import { abis } from "@cairn/node/contracts";
import { BaseError, ContractFunctionRevertedError, encodeErrorResult, parseEther, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import {
  describeContractError,
  describeError,
  describeRevertData,
} from "../../src/contracts/describe-error.ts";
import { ERROR_MESSAGES } from "../../src/contracts/error-messages.ts";

const abiErrors = Object.values(abis).flatMap((abi) => abi.filter((item) => item.type === "error"));

describe("error messages", () => {
  it("has a message for every custom error in the generated ABIs, and none for errors that are gone", () => {
    const names = new Set(abiErrors.map((e) => e.name));
    expect([...names].filter((name) => !(name in ERROR_MESSAGES))).toEqual([]);
    expect(
      Object.keys(ERROR_MESSAGES).filter((name) => !names.has(name as (typeof abiErrors)[number]["name"])),
    ).toEqual([]);
  });

  it("only names placeholders that are arguments of its error", () => {
    for (const error of abiErrors) {
      const template = ERROR_MESSAGES[error.name as keyof typeof ERROR_MESSAGES];
      const placeholders = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const inputs: string[] = error.inputs.map((i) => i.name);
      expect(
        placeholders.filter((p) => !inputs.includes(p as string)),
        error.name,
      ).toEqual([]);
    }
  });

  it("decodes raw revert data with the ABIs and words it, amounts in ether", () => {
    const data = encodeErrorResult({
      abi: abis.ProviderRegistry,
      errorName: "ProviderRegistryInsufficientFreeStake",
      args: [zeroAddress, parseEther("1.5"), parseEther("1000")],
    });
    expect(describeRevertData(data)).toBe(
      "Not enough free stake: 1.5 ETH is free (not locked as collateral), 1000 ETH is needed.",
    );
  });

  it("reads the market's bytes32 field names and request states as words", () => {
    const field = `0x${Buffer.from("expiry").toString("hex").padEnd(64, "0")}` as const;
    expect(describeContractError("StorageMarketInvalidRequest", [field])).toBe(
      "The storage request is invalid: expiry.",
    );
    expect(describeContractError("StorageMarketRequestNotEnded", [`0x${"11".repeat(32)}`, 2])).toBe(
      "The request has not ended yet (it is started).",
    );
  });

  it("finds a revert inside a viem error chain", () => {
    const reverted = new ContractFunctionRevertedError({
      abi: abis.PaymentChannels,
      functionName: "deposit",
      data: encodeErrorResult({ abi: abis.PaymentChannels, errorName: "PaymentChannelsZeroDeposit" }),
    });
    const wrapped = new BaseError("call failed", { cause: reverted });
    expect(describeError(wrapped)).toBe("The deposit must be above zero.");
  });

  it("says a wallet rejection in plain words", () => {
    expect(describeError(Object.assign(new Error("User rejected"), { code: 4001 }))).toBe(
      "You rejected the request in your wallet.",
    );
  });
});
