// Load and validate a geth-format genesis, and derive a Clique genesis with a given signer set.
//
// Clique fixes the initial signer set in the genesis extraData:
//   32-byte vanity | 20 bytes per signer (ascending address order) | 65 zero bytes (seal slot)
// Changing the signers therefore changes the genesis (and its hash): a network started with
// `--sealers 3` is a different chain from one started with `--sealers 1`.
import { readFileSync, writeFileSync } from "node:fs";
import type { Hex } from "../lib/dev-accounts.ts";
import { ChainError } from "./errors.ts";
import { rel } from "./paths.ts";

export interface GenesisAccount {
  balance: string;
  code?: string;
  nonce?: string;
  storage?: Record<string, string>;
}

export interface GethGenesis {
  config: {
    chainId: number;
    clique?: { period: number; epoch: number };
    ethash?: Record<string, unknown>;
    [fork: string]: unknown;
  };
  nonce?: string;
  timestamp: string;
  extraData: Hex;
  gasLimit: string;
  difficulty: string;
  mixHash?: string;
  coinbase?: string;
  baseFeePerGas?: string;
  alloc: Record<string, GenesisAccount>;
  [field: string]: unknown;
}

export type Consensus = "clique" | "ethash";

const VANITY = 32;
const SEAL = 65;

/** Fork blocks from Homestead to London; all must be set (the engines here run London rules). */
export const FORK_BLOCKS = [
  "homesteadBlock",
  "eip150Block",
  "eip155Block",
  "eip158Block",
  "byzantiumBlock",
  "constantinopleBlock",
  "petersburgBlock",
  "istanbulBlock",
  "berlinBlock",
  "londonBlock",
] as const;

/** Forks newer than London: the Clique engine here (@ethereumjs/client 0.10.5) cannot run them. */
const POST_LONDON = [
  "shanghaiTime",
  "cancunTime",
  "pragueTime",
  "osakaTime",
  "verkleTime",
  "mergeNetsplitBlock",
  "terminalTotalDifficulty",
];

const HEX_QUANTITY = /^0x[0-9a-fA-F]+$/;
const HEX_DATA = /^0x([0-9a-fA-F]{2})*$/;

function fail(source: string, message: string): never {
  throw new ChainError(`${source}: ${message}`);
}

function show(v: unknown): string {
  return v === undefined ? "missing" : `got ${JSON.stringify(v)}`;
}

function quantity(
  source: string,
  g: Record<string, unknown>,
  field: string,
  opts: { min?: bigint; optional?: boolean } = {},
): bigint | undefined {
  const v = g[field];
  if (v === undefined && opts.optional === true) return undefined;
  if (typeof v !== "string" || !HEX_QUANTITY.test(v))
    fail(source, `${field} must be a 0x hex number (${show(v)})`);
  const n = BigInt(v);
  if (opts.min !== undefined && n < opts.min)
    fail(source, `${field} must be at least ${opts.min} (got ${v} = ${n})`);
  return n;
}

/** Signers named in a Clique extraData, or a one-line error about its layout. */
export function cliqueSignersFromExtraData(extraData: string, source = "extraData"): Hex[] {
  if (typeof extraData !== "string" || !HEX_DATA.test(extraData)) {
    fail(source, `extraData must be 0x-prefixed hex bytes (${show(extraData)})`);
  }
  const bytes = (extraData.length - 2) / 2;
  const signerBytes = bytes - VANITY - SEAL;
  if (signerBytes < 20 || signerBytes % 20 !== 0) {
    fail(
      source,
      `extraData must be 32 bytes vanity + 20 bytes per signer (at least one) + 65 zero bytes for Clique; got ${bytes} bytes`,
    );
  }
  const signers: Hex[] = [];
  for (let i = 0; i < signerBytes / 20; i++) {
    const start = 2 + (VANITY + i * 20) * 2;
    signers.push(`0x${extraData.slice(start, start + 40).toLowerCase()}`);
  }
  return signers;
}

/** extraData naming `signers` (sorted ascending, as Clique requires) with a zero vanity and seal. */
export function cliqueExtraData(signers: readonly string[], vanity: Hex = `0x${"00".repeat(VANITY)}`): Hex {
  if (signers.length === 0) throw new ChainError("a Clique genesis needs at least one signer");
  const v = vanity
    .slice(2)
    .padEnd(VANITY * 2, "0")
    .slice(0, VANITY * 2);
  const body = [...signers]
    .map((s) => {
      if (!/^0x[0-9a-fA-F]{40}$/.test(s)) throw new ChainError(`not an address: ${s}`);
      return s.slice(2).toLowerCase();
    })
    .sort()
    .join("");
  return `0x${v}${body}${"00".repeat(SEAL)}`;
}

/**
 * Validate a parsed geth genesis. Throws a one-line ChainError naming the first bad field.
 * `expect` restricts the consensus engine ('clique' or 'ethash').
 */
export function validateGenesis(data: unknown, source: string, expect?: Consensus): GethGenesis {
  if (typeof data !== "object" || data === null || Array.isArray(data)) fail(source, "not a JSON object");
  const g = data as Record<string, unknown>;
  const config = g.config as Record<string, unknown> | undefined;
  if (typeof config !== "object" || config === null) fail(source, "config is missing");
  if (typeof config.chainId !== "number" || !Number.isSafeInteger(config.chainId) || config.chainId <= 0) {
    fail(source, `config.chainId must be a positive integer (${show(config.chainId)})`);
  }
  for (const fork of FORK_BLOCKS) {
    const v = config[fork];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      fail(source, `config.${fork} must be a block number (${show(v)}); the engines here run London rules`);
    }
  }
  for (const fork of POST_LONDON) {
    if (config[fork] !== undefined) {
      fail(source, `config.${fork} is set, but the Clique engine here runs London rules only; remove it`);
    }
  }
  const hasClique = config.clique !== undefined;
  const hasEthash = config.ethash !== undefined;
  if (hasClique === hasEthash) fail(source, "config must have exactly one of clique or ethash");
  const consensus: Consensus = hasClique ? "clique" : "ethash";
  if (expect !== undefined && consensus !== expect)
    fail(source, `expected a ${expect} genesis, found config.${consensus}`);

  if (consensus === "clique") {
    const clique = config.clique as Record<string, unknown>;
    if (typeof clique !== "object" || clique === null)
      fail(source, "config.clique must be an object { period, epoch }");
    if (typeof clique.period !== "number" || !Number.isSafeInteger(clique.period) || clique.period <= 0) {
      fail(
        source,
        `config.clique.period must be a positive integer number of seconds (${show(clique.period)})`,
      );
    }
    if (typeof clique.epoch !== "number" || !Number.isSafeInteger(clique.epoch) || clique.epoch <= 0) {
      fail(source, `config.clique.epoch must be a positive integer number of blocks (${show(clique.epoch)})`);
    }
    cliqueSignersFromExtraData(g.extraData as string, source);
  } else {
    if (typeof g.extraData !== "string" || !HEX_DATA.test(g.extraData)) {
      fail(source, `extraData must be 0x-prefixed hex bytes (${show(g.extraData)})`);
    }
    if ((g.extraData.length - 2) / 2 > 32)
      fail(source, "extraData must be at most 32 bytes on an Ethash chain");
  }

  quantity(source, g, "gasLimit", { min: 5000n });
  quantity(source, g, "difficulty", { min: consensus === "ethash" ? 1n : 0n });
  const timestamp = quantity(source, g, "timestamp") as bigint;
  if (timestamp === 0n)
    fail(source, "timestamp is 0: blocks would start in 1970 (anvil); set a real Unix time");
  const now = BigInt(Math.floor(Date.now() / 1000));
  if (timestamp > now + 60n) {
    fail(source, `timestamp ${timestamp} is in the future (now ${now}): sealers cannot seal before it`);
  }
  quantity(source, g, "baseFeePerGas", { optional: true });
  quantity(source, g, "nonce", { optional: true });
  for (const field of ["mixHash", "parentHash"] as const) {
    const v = g[field];
    if (v !== undefined && (typeof v !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(v)))
      fail(source, `${field} must be 32 bytes of hex (${show(v)})`);
  }
  if (
    g.coinbase !== undefined &&
    (typeof g.coinbase !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(g.coinbase))
  ) {
    fail(source, `coinbase must be an address (${show(g.coinbase)})`);
  }

  const alloc = g.alloc as Record<string, unknown> | undefined;
  if (typeof alloc !== "object" || alloc === null || Array.isArray(alloc))
    fail(source, "alloc must be an object { address: { balance } }");
  if (Object.keys(alloc).length === 0) fail(source, "alloc is empty: no account would have funds");
  for (const [addr, acc] of Object.entries(alloc)) {
    if (!/^(0x)?[0-9a-fA-F]{40}$/.test(addr))
      fail(source, `alloc key ${JSON.stringify(addr)} is not an address`);
    const a = acc as Record<string, unknown>;
    if (typeof a !== "object" || a === null) fail(source, `alloc.${addr} must be an object with a balance`);
    if (typeof a.balance !== "string" || !(HEX_QUANTITY.test(a.balance) || /^\d+$/.test(a.balance))) {
      fail(source, `alloc.${addr}.balance must be a hex or decimal string (${show(a.balance)})`);
    }
    if (a.code !== undefined && (typeof a.code !== "string" || !HEX_DATA.test(a.code)))
      fail(source, `alloc.${addr}.code must be hex bytes`);
  }
  return data as GethGenesis;
}

export function consensusOf(g: GethGenesis): Consensus {
  return g.config.clique !== undefined ? "clique" : "ethash";
}

/** Read and validate a genesis file. */
export function loadGenesis(file: string, expect?: Consensus): GethGenesis {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ChainError(
      `cannot read genesis ${rel(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ChainError(`${rel(file)}: not valid JSON (${(err as Error).message})`);
  }
  return validateGenesis(data, rel(file), expect);
}

/** A copy of a Clique genesis whose extraData names exactly `signers` (everything else unchanged). */
export function withCliqueSigners(g: GethGenesis, signers: readonly string[]): GethGenesis {
  if (consensusOf(g) !== "clique") throw new ChainError("cannot set Clique signers on an Ethash genesis");
  const vanity = g.extraData.slice(0, 2 + VANITY * 2) as Hex;
  const copy = structuredClone(g);
  copy.extraData = cliqueExtraData(signers, vanity);
  return copy;
}

export function writeGenesis(g: GethGenesis, file: string): void {
  writeFileSync(file, `${JSON.stringify(g, null, 2)}\n`);
}
