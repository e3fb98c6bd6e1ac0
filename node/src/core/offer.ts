/**
 * A provider's on-chain offer (`IProviderRegistry.Offer`) and its endpoints, as the node,
 * the dApp and the subgraph read and write them. Region and infrastructure are short
 * self-declared labels stored as bytes16; the REST API's URL travels among the provider's
 * libp2p multiaddrs as an `/http` (or `/tls/http`) multiaddr, so clients can reach a
 * provider's node from the registry alone.
 */
import { type Hex, hexToString, isHex, size, stringToHex } from "viem";
import { InvalidParameterError } from "./errors.ts";

/** Bytes in a region or infrastructure label (the contract's bytes16). */
export const OFFER_LABEL_BYTES = 16;

const UINT64_MAX = 2n ** 64n - 1n;
const UINT128_MAX = 2n ** 128n - 1n;

/** The offer as the contract takes it. */
export interface Offer {
  /** Lowest price accepted, wei per byte per second. */
  pricePerBytePerSecond: bigint;
  /** Highest collateral accepted, wei per byte of slot. */
  maxCollateralPerByte: bigint;
  /** Shortest request accepted, seconds. */
  minDuration: bigint;
  /** Longest request accepted, seconds. */
  maxDuration: bigint;
  /** Disk space offered, bytes. */
  capacity: bigint;
  /** bytes16 label, e.g. "eu-west". */
  region: Hex;
  /** bytes16 label, e.g. "hetzner". */
  infrastructure: Hex;
}

/** The offer with its labels as text, as people write and read it. */
export interface OfferInput {
  pricePerBytePerSecond: bigint;
  maxCollateralPerByte: bigint;
  minDuration: bigint;
  maxDuration: bigint;
  capacity: bigint;
  region: string;
  infrastructure: string;
}

/** "eu-west" → 0x65752d77657374000000…: UTF-8, right-padded with zero bytes to 16. */
export function encodeOfferLabel(field: string, label: string): Hex {
  const bytes = new TextEncoder().encode(label);
  if (bytes.length > OFFER_LABEL_BYTES) {
    throw new InvalidParameterError(
      field,
      `must be at most ${OFFER_LABEL_BYTES} bytes of UTF-8, got ${bytes.length}`,
    );
  }
  if (bytes.includes(0)) throw new InvalidParameterError(field, "must not contain NUL characters");
  return stringToHex(label, { size: OFFER_LABEL_BYTES });
}

/** The inverse of `encodeOfferLabel`: trailing zero bytes dropped. */
export function decodeOfferLabel(value: Hex): string {
  if (!isHex(value, { strict: true }) || size(value) !== OFFER_LABEL_BYTES) {
    throw new InvalidParameterError("label", `must be ${OFFER_LABEL_BYTES} bytes of hex`);
  }
  return hexToString(value, { size: OFFER_LABEL_BYTES }).replace(/\0+$/, "");
}

function inRange(field: string, value: bigint, max: bigint, min = 0n): void {
  if (typeof value !== "bigint" || value < min || value > max) {
    throw new InvalidParameterError(field, `must be an integer from ${min} to ${max}`);
  }
}

/**
 * Checks an offer as the registry would (`ProviderRegistryInvalidOffer`: a zero capacity,
 * or a minimum duration above the maximum) and encodes its labels, so a bad offer fails
 * here with the field named instead of as a revert.
 */
export function encodeOffer(input: OfferInput): Offer {
  inRange("pricePerBytePerSecond", input.pricePerBytePerSecond, UINT128_MAX);
  inRange("maxCollateralPerByte", input.maxCollateralPerByte, UINT128_MAX);
  inRange("minDuration", input.minDuration, UINT64_MAX);
  inRange("maxDuration", input.maxDuration, UINT64_MAX, 1n);
  inRange("capacity", input.capacity, UINT64_MAX, 1n);
  if (input.minDuration > input.maxDuration) {
    throw new InvalidParameterError("minDuration", `must not exceed maxDuration (${input.maxDuration})`);
  }
  return {
    pricePerBytePerSecond: input.pricePerBytePerSecond,
    maxCollateralPerByte: input.maxCollateralPerByte,
    minDuration: input.minDuration,
    maxDuration: input.maxDuration,
    capacity: input.capacity,
    region: encodeOfferLabel("region", input.region),
    infrastructure: encodeOfferLabel("infrastructure", input.infrastructure),
  };
}

export function decodeOffer(offer: Offer): OfferInput {
  return {
    pricePerBytePerSecond: offer.pricePerBytePerSecond,
    maxCollateralPerByte: offer.maxCollateralPerByte,
    minDuration: offer.minDuration,
    maxDuration: offer.maxDuration,
    capacity: offer.capacity,
    region: decodeOfferLabel(offer.region),
    infrastructure: decodeOfferLabel(offer.infrastructure),
  };
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;

/**
 * A REST API URL as a multiaddr: `http://10.0.0.2:8080` → `/ip4/10.0.0.2/tcp/8080/http`,
 * `https://node.example` → `/dns/node.example/tcp/443/tls/http`. Paths are not allowed:
 * the API lives at the root of its origin.
 */
export function apiUrlToMultiaddr(url: string): string {
  if (!URL.canParse(url)) throw new InvalidParameterError("apiUrl", `is not a URL: ${JSON.stringify(url)}`);
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new InvalidParameterError("apiUrl", `must be http or https, got ${u.protocol}`);
  }
  if (u.pathname !== "/" || u.search !== "" || u.hash !== "" || u.username !== "") {
    throw new InvalidParameterError("apiUrl", "must be an origin only (no path, query or credentials)");
  }
  const tls = u.protocol === "https:";
  const port = u.port === "" ? (tls ? "443" : "80") : u.port;
  const host = u.hostname;
  const hostPart = IPV4.test(host)
    ? `/ip4/${host}`
    : host.startsWith("[")
      ? `/ip6/${host.slice(1, -1)}`
      : `/dns/${host}`;
  return `${hostPart}/tcp/${port}${tls ? "/tls/http" : "/http"}`;
}

// `/tls/http` is the current form of HTTPS; the older `/https` is read too.
const HTTP_MULTIADDR = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d{1,5})(\/tls\/http|\/https|\/http)$/;

/** The inverse of `apiUrlToMultiaddr`; undefined for a multiaddr that is not an HTTP endpoint. */
export function multiaddrToApiUrl(multiaddr: string): string | undefined {
  const match = HTTP_MULTIADDR.exec(multiaddr);
  if (match === null) return undefined;
  const [, family, host, port, scheme] = match;
  const tls = scheme !== "/http";
  if (Number(port) < 1 || Number(port) > 65535) return undefined;
  const hostPart = family === "ip6" ? `[${host}]` : host;
  return `${tls ? "https" : "http"}://${hostPart}:${port}`;
}

/** The first REST API URL among a provider's multiaddrs. */
export function providerApiUrl(multiaddrs: readonly string[]): string | undefined {
  for (const address of multiaddrs) {
    const url = multiaddrToApiUrl(address);
    if (url !== undefined) return url;
  }
  return undefined;
}
