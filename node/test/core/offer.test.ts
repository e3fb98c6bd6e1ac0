import { describe, expect, it } from "vitest";
import {
  apiUrlToMultiaddr,
  decodeOffer,
  decodeOfferLabel,
  encodeOffer,
  encodeOfferLabel,
  multiaddrToApiUrl,
  type OfferInput,
  providerApiUrl,
} from "../../src/core/index.ts";

const input: OfferInput = {
  pricePerBytePerSecond: 3n,
  maxCollateralPerByte: 10n,
  minDuration: 60n,
  maxDuration: 86_400n,
  capacity: 2n ** 30n,
  region: "eu-west",
  infrastructure: "hetzner",
};

describe("offer", () => {
  it("encodes labels as zero-padded bytes16 and decodes them back", () => {
    expect(encodeOfferLabel("region", "eu-west")).toBe(`0x65752d77657374${"00".repeat(9)}`);
    expect(decodeOfferLabel(encodeOfferLabel("region", "ü-15-byte-label"))).toBe("ü-15-byte-label");
    expect(decodeOffer(encodeOffer(input))).toEqual(input);
  });

  it.each([
    [{ region: "a-region-name-that-is-too-long" }, /region: must be at most 16 bytes/],
    [{ infrastructure: "nul\0" }, /infrastructure: must not contain NUL/],
    [{ capacity: 0n }, /capacity: must be an integer from 1/],
    [{ maxDuration: 0n }, /maxDuration: must be an integer from 1/],
    [{ minDuration: 100_000n }, /minDuration: must not exceed maxDuration/],
    [{ pricePerBytePerSecond: -1n }, /pricePerBytePerSecond: must be an integer from 0/],
    [{ capacity: 2n ** 64n }, /capacity: must be an integer from 1 to 18446744073709551615/],
  ])("refuses %o with a message naming the field", (change, message) => {
    expect(() => encodeOffer({ ...input, ...change })).toThrow(message);
  });

  it("refuses a label that is not 16 bytes when decoding", () => {
    expect(() => decodeOfferLabel("0x1234")).toThrow(/16 bytes/);
  });
});

describe("provider API URL as a multiaddr", () => {
  it.each([
    ["http://127.0.0.1:8080", "/ip4/127.0.0.1/tcp/8080/http", "http://127.0.0.1:8080"],
    ["https://node.example", "/dns/node.example/tcp/443/tls/http", "https://node.example:443"],
    ["http://node.example", "/dns/node.example/tcp/80/http", "http://node.example:80"],
    ["http://[::1]:8080", "/ip6/::1/tcp/8080/http", "http://[::1]:8080"],
  ])("%s → %s → %s", (url, multiaddr, back) => {
    expect(apiUrlToMultiaddr(url)).toBe(multiaddr);
    expect(multiaddrToApiUrl(multiaddr)).toBe(back);
  });

  it.each(["ftp://x", "http://h:1/path", "http://u:p@h:1", "not a url"])("refuses %s", (url) => {
    expect(() => apiUrlToMultiaddr(url)).toThrow(/apiUrl/);
  });

  it("finds the API URL among libp2p multiaddrs, and ignores the rest", () => {
    expect(multiaddrToApiUrl("/ip4/1.2.3.4/tcp/4001/p2p/12D3KooW")).toBeUndefined();
    expect(multiaddrToApiUrl("/ip4/1.2.3.4/tcp/99999/http")).toBeUndefined();
    expect(providerApiUrl(["/ip4/1.2.3.4/tcp/4001", "/ip4/1.2.3.4/tcp/8080/http"])).toBe(
      "http://1.2.3.4:8080",
    );
    expect(providerApiUrl(["/ip4/1.2.3.4/tcp/4001"])).toBeUndefined();
  });
});
