import { readdirSync, readFileSync } from "node:fs";
import { encodeAbiParameters, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import {
  channelIdOf,
  periodFirstBlock,
  periodOf,
  requestIdOf,
  slotIdOf,
  splitSlotId,
} from "../../src/core/ids.ts";

const client = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const nonce = "0x00000000000000000000000000000000000000000000000000000000000000aa" as const;

describe("ids", () => {
  it("clears the low 16 bits of a request id and puts the slot index there", () => {
    const requestId = requestIdOf(client, nonce);
    expect(requestId.endsWith("0000")).toBe(true);
    const hash = keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [client, nonce]));
    expect(requestId.slice(0, -4)).toBe(hash.slice(0, -4));
    const slotId = slotIdOf(requestId, 5);
    expect(slotId.endsWith("0005")).toBe(true);
    expect(splitSlotId(slotId)).toEqual({ requestId, index: 5 });
    expect(() => slotIdOf(requestId, 65_536)).toThrow(RangeError);
  });

  it("derives channel ids from the sender and its channel count", () => {
    expect(channelIdOf(client, 0n)).toBe(
      keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [client, 0n])),
    );
    expect(channelIdOf(client, 1n)).not.toBe(channelIdOf(client, 0n));
  });

  it("maps blocks to periods", () => {
    expect(periodOf(29n, 10n)).toBe(2n);
    expect(periodFirstBlock(3n, 10n)).toBe(30n);
  });
});

describe("the core stays isomorphic", () => {
  it("imports nothing from node:*", () => {
    const dir = new URL("../../src/core/", import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.(ts|as)$/.test(f));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), "utf8");
      expect(source, file).not.toMatch(/from\s+["']node:|import\(\s*["']node:|require\(/);
    }
  });
});
