import { describe, expect, it } from "vitest";
import { parseHttpUrl, parseIntInRange } from "../../scripts/lib/validate.ts";

describe("parseHttpUrl", () => {
  it("accepts http and https URLs", () => {
    expect(parseHttpUrl("--rpc", "http://127.0.0.1:8545")).toBe("http://127.0.0.1:8545");
    expect(parseHttpUrl("--rpc", "https://rpc.example")).toBe("https://rpc.example");
  });

  it.each(["", "localhost:8545", "ws://127.0.0.1:8546", "ftp://x"])("rejects %j, naming the flag", (bad) => {
    expect(() => parseHttpUrl("--rpc", bad)).toThrow(`--rpc must be an http(s) URL, got "${bad}"`);
  });
});

describe("parseIntInRange", () => {
  it("accepts whole numbers in range", () => {
    expect(parseIntInRange("--sealers", "3", 1, 3)).toBe(3);
  });

  it.each(["0", "4", "-1", "1.5", "two", ""])("rejects %j", (bad) => {
    expect(() => parseIntInRange("--sealers", bad, 1, 3)).toThrow(
      `--sealers must be a whole number from 1 to 3, got "${bad}"`,
    );
  });
});
