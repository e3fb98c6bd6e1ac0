/**
 * The node's REST API (Fastify): uploads and downloads of data, dataset manifests, the
 * IPFS trustless gateway (`/ipfs/{cid}`), health, info, Prometheus metrics, and an
 * OpenAPI 3 document built from the route schemas at `/api/v1/openapi.json`.
 *
 * Every error is JSON `{ error: { code, message, field } }` (errors.ts). Mutating routes
 * need `Authorization: Bearer <api.token>`. See docs/api.md for the reference.
 */
import type { Libp2p } from "@libp2p/interface";
import type { Address } from "viem";
import type { Logger } from "../logging/index.ts";
import type { Registry } from "../metrics/index.ts";
import type { CairnBlockstore } from "../store/blocks/index.ts";
import type { ProviderAdmin } from "../provider/index.ts";
import type { Purchasing } from "../purchasing/index.ts";
import type { Discovery } from "../discovery/index.ts";
import type { ChannelPayer, ProviderAccounting } from "../payments/index.ts";
import type { Exchange } from "../protocols/exchange/index.ts";
import type { ChannelAdmin, Retrieval } from "../retrieval/index.ts";
import type { Sales } from "../sales/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import { ApiServer } from "./server.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { generateApiToken } from "./auth.ts";
export { ApiServer };

export interface ApiInit {
  /** Address to listen on. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one (read `url` after start). @default 8080 */
  port?: number;
  /** Bearer token that mutating routes require (at least 16 characters). */
  token: string;
  /** Origins allowed by CORS; `*` allows any. @default [] (none) */
  corsOrigins?: readonly string[];
  /** Largest JSON body, in bytes. @default 1 MiB */
  bodyLimit?: number;
  /** Largest upload, in bytes (streamed, never held in memory). @default 10 GiB */
  uploadLimit?: number;
  /** Serve `/metrics`. @default true */
  metricsEnabled?: boolean;
  /** Worker threads that erasure-code uploads. @default DEFAULT_UPLOAD_STRIPE_WORKERS (1) */
  stripeWorkers?: number;
  /** Reported by `/api/v1/info`. */
  chainId?: number;
}

export interface ApiComponents {
  blockstore: CairnBlockstore;
  metadata: MetadataStore;
  /** Served at `/metrics`; the API adds `cairn_api_*` series to it. */
  metrics?: Registry;
  /** The node wallet's address, for `/api/v1/info`. */
  walletAddress?: Address;
  /** The libp2p node, for the peer id in `/api/v1/info` and `/api/v1/peers`; absent when p2p is off. */
  network?: Pick<Libp2p, "peerId" | "getMultiaddrs" | "getConnections">;
  /** The node's provider account on the registry, for `/api/v1/provider`; absent without a chain link. */
  provider?: ProviderAdmin;
  /** The node's selling side, for `/api/v1/slots`; absent without a chain link. */
  sales?: Sales;
  /** The node's buying side, for `/api/v1/storage`; absent without a chain link. */
  purchasing?: Purchasing;
  /**
   * The block exchange: with it (and `discovery`), `GET /api/v1/data/{cid}` fetches data
   * this node does not hold from the providers that do.
   */
  exchange?: Exchange;
  /** Finds the providers of a CID, for network downloads. */
  discovery?: Discovery;
  /**
   * Network retrieval as built by the caller (timeouts, price limit); by default one is
   * built from `exchange` and `discovery` with the retrieval defaults.
   */
  retrieval?: Retrieval;
  /** The client's payment channels, for `/api/v1/channels`. */
  channels?: ChannelPayer;
  /**
   * Channel writes (open, deposit, close) for `/api/v1/channels`; build it with
   * `createChannelAdmin` from the node's transaction sender.
   */
  channelAdmin?: ChannelAdmin;
  /** The provider's side of payments: its received vouchers show in `/api/v1/channels`. */
  accounting?: ProviderAccounting;
  /** @default logger("api") */
  logger?: Logger;
}

export function createApiServer(components: ApiComponents, init: ApiInit): ApiServer {
  return new ApiServer(components, init);
}
