/**
 * Every setting the node reads, in one place: its type, default and meaning. The
 * environment variable and flag of each key are derived from its path
 * (`api.corsOrigins` → `CAIRN_API_CORS_ORIGINS`, `--api-cors-origins`).
 *
 * To add settings (p2p listen addresses, market prices, ...), add a section here; the
 * loader, the env and flag names, `NodeConfig` and the docs test pick it up. Give every
 * key a default or make it `optional`, so an empty config still starts a node.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { multiaddr } from "@multiformats/multiaddr";
import {
  DEFAULT_BUMP_AFTER_BLOCKS,
  DEFAULT_BUMP_AFTER_MS,
  DEFAULT_CONFIRMATIONS,
  DEFAULT_FEE_BUMP_PERCENT,
} from "../chain/constants.ts";
import { DEFAULT_LISTEN_ADDRESSES, DEFAULT_MAX_CONNECTIONS } from "../network/constants.ts";
import {
  DEFAULT_CHANNEL_DEPOSIT,
  DEFAULT_CLOSE_DELAY,
  DEFAULT_FREE_ALLOWANCE,
  DEFAULT_FREE_ALLOWANCE_REFILL_PER_SECOND,
  DEFAULT_PAYMENT_THRESHOLD,
  DEFAULT_PAYMENT_TOLERANCE_PERCENT,
  DEFAULT_SETTLE_THRESHOLD,
} from "../payments/constants.ts";
import {
  boolean,
  bytes,
  type Field,
  integer,
  list,
  logLevel,
  oneOf,
  optional,
  path,
  string,
  url,
} from "./fields.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

function isOrigin(value: string): boolean {
  if (value === "*") return true;
  if (!URL.canParse(value)) return false;
  const u = new URL(value);
  return (u.protocol === "http:" || u.protocol === "https:") && u.origin === value;
}

function isMultiaddr(value: string): boolean {
  try {
    multiaddr(value);
    return value.startsWith("/");
  } catch {
    return false;
  }
}

/** A bootstrap peer must name its peer id, or the node could not tell it from an impostor. */
function isPeerMultiaddr(value: string): boolean {
  return (
    isMultiaddr(value) &&
    multiaddr(value)
      .getComponents()
      .some((c) => c.name === "p2p")
  );
}

export const CONFIG_SCHEMA = {
  dataDir: path({
    default: join(homedir(), ".cairn"),
    doc: "Folder for blocks, the metadata database, the keystore and the default config file.",
  }),
  api: {
    host: string({
      default: "127.0.0.1",
      pattern: /^[^\s/]+$/,
      doc: "Address the REST API listens on. Use 0.0.0.0 to accept connections from other machines.",
    }),
    port: integer({ min: 1, max: 65535, default: 8080, doc: "TCP port of the REST API." }),
    token: optional(
      string({
        minLength: 16,
        secret: true,
        doc: "Bearer token that mutating endpoints (uploads, deletes) require. Prefer the environment variable to the file.",
      }),
    ),
    corsOrigins: list({
      item: 'origins like "https://app.example" or "*"',
      check: isOrigin,
      default: [],
      doc: "Browser origins allowed to call the API (the dApp's origin). Empty allows none.",
    }),
    bodyLimit: bytes({
      min: 1,
      max: 100 * MiB,
      default: 1 * MiB,
      doc: "Largest JSON request body.",
    }),
    uploadLimit: bytes({
      min: 1,
      max: 16 * TiB,
      default: 10 * GiB,
      doc: "Largest file accepted by POST /api/v1/data (streamed, never held in memory).",
    }),
  },
  chain: {
    rpcUrl: url({
      protocols: ["http:", "https:", "ws:", "wss:"],
      default: "http://127.0.0.1:8545",
      doc: "JSON-RPC endpoint of the chain.",
    }),
    id: integer({
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      default: 98765,
      doc: "Chain id the node expects; 98765 is the local devnet.",
    }),
    confirmations: integer({
      min: 0,
      max: 1000,
      default: DEFAULT_CONFIRMATIONS,
      doc: "Blocks an event must be under the head before the node acts on it (reorg safety).",
    }),
    feeBumpPercent: integer({
      min: 10,
      max: 1000,
      default: DEFAULT_FEE_BUMP_PERCENT,
      doc: "Percent added to the tip and max fee when an unmined transaction is replaced (geth needs 10).",
    }),
    bumpAfterBlocks: integer({
      min: 1,
      max: 10_000,
      default: DEFAULT_BUMP_AFTER_BLOCKS,
      doc: "Blocks a transaction may stay unmined before its fee is bumped.",
    }),
    bumpAfterMs: integer({
      min: 1000,
      max: 3_600_000,
      default: DEFAULT_BUMP_AFTER_MS,
      doc: "Milliseconds a transaction may stay unmined before its fee is bumped.",
    }),
    deploymentFile: optional(
      path({
        doc: "deployments/<chainId>.json written by `npm run deploy`: the contracts' addresses and deploy blocks. Unset, the node uses the deployment built into it when its contracts module was generated.",
      }),
    ),
  },
  wallet: {
    keystore: path({
      default: (get) => join(String(get("dataDir")), "keystore.json"),
      doc: "Encrypted JSON keystore of the node's key; created on first start.",
    }),
    passphraseFile: optional(
      path({ doc: "File holding the keystore passphrase, used when CAIRN_WALLET_PASSPHRASE is unset." }),
    ),
    devAccount: optional(
      string({
        doc: "Role from genesis/dev-accounts.json (e.g. provider1) to sign with instead of the keystore. Devnet (chain 98765) only.",
      }),
    ),
  },
  p2p: {
    enabled: boolean({
      default: true,
      doc: "Join the libp2p network (DHT discovery and the block exchange). Off, the node serves only its REST API.",
    }),
    listen: list({
      item: 'multiaddrs like "/ip4/0.0.0.0/tcp/4001"',
      check: isMultiaddr,
      default: [...DEFAULT_LISTEN_ADDRESSES],
      doc: "Addresses libp2p listens on (TCP and WebSockets). Port 0 picks a free port.",
    }),
    announce: list({
      item: 'multiaddrs like "/dns4/node.example/tcp/4001"',
      check: isMultiaddr,
      default: [],
      doc: "Addresses told to peers instead of the listen addresses (a public IP or DNS name).",
    }),
    bootstrap: list({
      item: 'multiaddrs with a peer id, like "/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW..."',
      check: isPeerMultiaddr,
      default: [],
      doc: "Peers dialled on start to join the DHT. A network needs at least one node that others bootstrap to.",
    }),
    maxConnections: integer({
      min: 1,
      max: 10_000,
      default: DEFAULT_MAX_CONNECTIONS,
      doc: "Open libp2p connections at most; the least useful are pruned beyond this.",
    }),
  },
  exchange: {
    pricePerBlock: string({
      pattern: /^[0-9]{1,78}$/,
      default: "1000000000",
      doc: "Price quoted per 256 KiB block served to peers, in wei (a decimal integer); 0 serves for free.",
    }),
    maxBytesPerSecond: optional(
      integer({
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
        doc: "Block bytes served to one peer per second. Unset: no limit.",
      }),
    ),
  },
  payments: {
    threshold: string({
      pattern: /^[0-9]{1,78}$/,
      default: String(DEFAULT_PAYMENT_THRESHOLD),
      doc: "Debt (wei) a peer may run up before this node waits for its voucher; clients pay at half of it.",
    }),
    tolerancePercent: integer({
      min: 0,
      max: 1000,
      default: Number(DEFAULT_PAYMENT_TOLERANCE_PERCENT),
      doc: "Debt tolerated past the threshold, in percent of it, before a peer is cut off.",
    }),
    freeAllowance: string({
      pattern: /^[0-9]{1,78}$/,
      default: String(DEFAULT_FREE_ALLOWANCE),
      doc: "Service (wei) each peer gets free, for manifests and probes; it refills at freeAllowancePerSecond.",
    }),
    freeAllowancePerSecond: string({
      pattern: /^[0-9]{1,78}$/,
      default: String(DEFAULT_FREE_ALLOWANCE_REFILL_PER_SECOND),
      doc: "wei per second the free allowance refills.",
    }),
    settleThreshold: string({
      pattern: /^[0-9]{1,78}$/,
      default: String(DEFAULT_SETTLE_THRESHOLD),
      doc: "Unsettled voucher value (wei) above which this node cashes a channel's latest voucher on-chain.",
    }),
    budget: string({
      pattern: /^[0-9]{1,78}$/,
      default: "0",
      doc: "Most wei this node keeps deposited in payment channels it opens to pay providers. 0 opens none.",
    }),
    channelDeposit: string({
      pattern: /^[0-9]{1,78}$/,
      default: String(DEFAULT_CHANNEL_DEPOSIT),
      doc: "wei deposited when a channel is opened or topped up, unless more is needed.",
    }),
    closeDelay: integer({
      min: 0,
      max: 365 * 24 * 3600,
      default: DEFAULT_CLOSE_DELAY,
      doc: "Seconds between asking to close a channel this node opened and its refund.",
    }),
  },
  market: {
    prove: boolean({
      default: true,
      doc: "Prove the slots this node holds, every period (turn off only on a node that holds none).",
    }),
    recordSeeds: boolean({
      default: true,
      doc: "Record a period's seed on-chain when nobody has, so proofs of that period can be checked.",
    }),
  },
  sales: {
    space: bytes({
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      default: 0,
      doc: "Disk sold in all; held slots and slots being filled count against it. 0 sells nothing.",
    }),
    minPricePerBytePerSecond: string({
      pattern: /^[0-9]{1,78}$/,
      default: "0",
      doc: "Lowest price taken, in wei per byte per second (a decimal integer).",
    }),
    maxDuration: integer({
      min: 1,
      max: 4_294_967_296,
      default: 31_536_000,
      doc: "Longest request taken, in seconds.",
    }),
    maxCollateralPerByte: string({
      pattern: /^[0-9]{1,78}$/,
      default: "0",
      doc: "Most collateral locked per byte of slot, in wei (a decimal integer).",
    }),
    takeOpenSlots: boolean({
      default: false,
      doc: "Take open (not designated) slots of new requests, rebuilding them from other providers.",
    }),
    takeRepairs: boolean({
      default: true,
      doc: "Repair freed slots, rebuilding them from any k other slots.",
    }),
  },
  validator: {
    enabled: boolean({
      default: false,
      doc: "Watch every running slot and mark missed proofs within the marking window, for the reward.",
    }),
  },
  store: {
    verifyOnRead: boolean({
      default: false,
      doc: "Hash every block read from disk and refuse corrupt ones (costs one sha256 per read).",
    }),
  },
  log: {
    level: logLevel({ default: "info", doc: "Log level, with optional per-component overrides." }),
    format: oneOf(["auto", "json", "pretty"] as const, {
      default: "auto",
      doc: "Log line format on stderr; auto is pretty on a terminal, JSON otherwise.",
    }),
  },
  metrics: {
    enabled: boolean({ default: true, doc: "Serve Prometheus metrics at GET /metrics." }),
  },
} as const;

// biome-ignore lint/suspicious/noExplicitAny: matches a Field of any value type
type AnyField = Field<any>;
type Schema = { readonly [key: string]: AnyField | Schema };

/** The config type, derived from the schema. */
export type InferConfig<S> = S extends Field<infer T> ? T : { readonly [K in keyof S]: InferConfig<S[K]> };

export type NodeConfig = InferConfig<typeof CONFIG_SCHEMA>;

export function isField(node: AnyField | Schema): node is AnyField {
  return (node as { kind?: unknown }).kind === "field";
}

/** Every key of a schema with its field, in declaration order: `["api.port", Field]`. */
export function schemaEntries(schema: Schema = CONFIG_SCHEMA, prefix = ""): Array<[string, AnyField]> {
  return Object.entries(schema).flatMap(([name, node]) => {
    const key = prefix === "" ? name : `${prefix}.${name}`;
    return isField(node) ? [[key, node] as [string, AnyField]] : schemaEntries(node, key);
  });
}

function words(key: string): string[] {
  return key.split(".").flatMap((part) => part.split(/(?=[A-Z])/).map((w) => w.toLowerCase()));
}

/** `api.corsOrigins` → `CAIRN_API_CORS_ORIGINS`. */
export function envName(key: string): string {
  return `CAIRN_${words(key).join("_").toUpperCase()}`;
}

/** `api.corsOrigins` → `api-cors-origins` (used as `--api-cors-origins`). */
export function flagName(key: string): string {
  return words(key).join("-");
}
