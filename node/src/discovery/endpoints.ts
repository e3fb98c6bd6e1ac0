/**
 * What a provider publishes about how to reach it, read back from the registry: its peer
 * id (the binary multihash of its libp2p key), and its multiaddrs. Among those, its REST
 * API is an HTTP multiaddr, the convention of the core's offer.ts (`apiUrlToMultiaddr`):
 * `/ip4/1.2.3.4/tcp/8080/http`, `/dns4/node.example/tcp/443/https` or `.../tls/http`.
 */
import { multiaddrToApiUrl } from "../core/offer.ts";
import { peerIdFromMultihash } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import * as Digest from "multiformats/hashes/digest";
import { type Hex, hexToBytes, isHex } from "viem";
import { MAX_MULTIADDR_LENGTH, MAX_MULTIADDRS } from "./constants.ts";

/** The text form (`12D3KooW…`) of a peer id published as bytes, or undefined when the bytes are not one. */
export function peerIdFromRegistryBytes(bytes: Hex): string | undefined {
  if (!isHex(bytes) || bytes.length <= 2) return undefined;
  try {
    return peerIdFromMultihash(Digest.decode(hexToBytes(bytes))).toString();
  } catch {
    return undefined;
  }
}

/** The API URL (`http://host:port`) of an HTTP multiaddr, or undefined for any other multiaddr. */
export const apiUrlOf = multiaddrToApiUrl;

export interface Endpoints {
  /** Multiaddrs to dial over libp2p. */
  libp2p: string[];
  /** REST API origins, from HTTP multiaddrs. */
  api: string[];
  /** Entries dropped: unparseable, too long, or beyond MAX_MULTIADDRS. */
  dropped: number;
}

/** Splits published multiaddrs into libp2p addresses and API URLs, dropping what cannot be used. */
export function splitEndpoints(published: readonly string[]): Endpoints {
  const out: Endpoints = { libp2p: [], api: [], dropped: 0 };
  for (const address of published) {
    if (out.libp2p.length + out.api.length >= MAX_MULTIADDRS || address.length > MAX_MULTIADDR_LENGTH) {
      out.dropped++;
      continue;
    }
    const api = apiUrlOf(address);
    if (api !== undefined) {
      out.api.push(api);
      continue;
    }
    try {
      out.libp2p.push(multiaddr(address).toString());
    } catch {
      out.dropped++;
    }
  }
  return out;
}

/** A bytes16 label (`region`, `infrastructure`) as text, trailing zero bytes dropped. */
export function labelText(bytes: Hex): string {
  const raw = hexToBytes(bytes);
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0) end--;
  return new TextDecoder("utf-8", { fatal: false }).decode(raw.subarray(0, end));
}
