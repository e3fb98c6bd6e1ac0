import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { CID } from "multiformats/cid";
import { formatEther } from "viem";
import { durationFlag, weiFlag } from "../amounts.ts";
import { intFlag, type parse } from "../args.ts";
import { type ApiEndpoint, getJson, postJson, uploadFile } from "../client.ts";
import { EXIT_FAILURE, EXIT_OK, MAX_SHARDS } from "../constants.ts";
import { resolveEndpoint } from "../endpoint.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { createProgress, type Progress } from "../progress.ts";
import { parseSubcommand, SUBCOMMAND_OPTIONS, subcommandHelpEnd } from "../subcommands.ts";

export const STORAGE_HELP = `Usage: cairn storage <command> [options]

Buys storage deals through the node: it chooses providers, pays the escrow from the
node's wallet, pushes each slot to its provider and follows the deal.

Commands:
  buy <file|cid> --duration <d> [options]
                               erasure-code a file into the node (needs --k and --m), or
                               take a dataset already there, and buy storage for it.
                               Prints the quote and per-slot upload progress on stderr,
                               and the request id on stdout.
  quote <cid> --duration <d>   the providers, price, escrow and durability, without buying
  status [requestId]           one purchase in detail, or all of them
  withdraw <requestId>         take back the client's funds of an ended, failed or
                               cancelled request (the node also does this on its own)

Buy and quote options:
  --k <n>, --m <n>             data and parity slots (a file needs them; a CID has them)
  --duration <d>               how long the data is kept (3600, 30m, 12h, 7d)
  --max-price <amount>         the most paid per byte per second (e.g. 2wei)
  --collateral <amount>        collateral each provider locks per byte (default 0)
  --proof-probability <n>      a slot proves in a period with probability 1/n (default 4)
  --expiry <d>                 time for the providers to fill every slot (default
                               min(1h, duration/2))
  --wait <pushed|started|none> buy returns once every slot is pushed (default), once the
                               request has started, or at once

${subcommandHelpEnd(29, [["-q, --quiet", "no progress on stderr"]])}`;

const OPTIONS = {
  ...SUBCOMMAND_OPTIONS,
  k: { type: "string" },
  m: { type: "string" },
  duration: { type: "string" },
  "max-price": { type: "string" },
  collateral: { type: "string" },
  "proof-probability": { type: "string" },
  expiry: { type: "string" },
  wait: { type: "string" },
  quiet: { type: "boolean", short: "q" },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>["values"];

interface QuoteJson {
  k: number;
  m: number;
  slotSize: string;
  pricePerBytePerSecond: string;
  escrow: string;
  providers: {
    address: string;
    apiUrl: string;
    region: string;
    infrastructure: string;
    pricePerBytePerSecond: string;
    reputation: number;
  }[];
  excluded: { address: string; reason: string }[];
  regions: number;
  infrastructures: number;
  durability: { survival: number; nines: number };
}

interface SlotJson {
  index: number;
  provider: string;
  region: string;
  infrastructure: string;
  pushed: boolean;
  attempts: number;
  bytesPushed?: number;
  lastError?: string;
  onChainState?: string;
}

interface PurchaseJson {
  requestId: string;
  cid: string;
  state: string;
  k: number;
  m: number;
  slotSize: string;
  duration: string;
  escrow: string;
  expiry: number;
  endsAt?: number;
  withdrawn?: string;
  lastError?: string;
  slotsPushed: number;
  filledSlots?: number;
  timeLeft?: number;
  onChain?: { state: string; filledSlots: number };
  slots: SlotJson[];
}

const POLL_MS = 500;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const eth = (wei: string) => `${formatEther(BigInt(wei))} ETH`;

/** The terms flags as the API takes them. */
function terms(values: Values) {
  if (values.duration === undefined)
    throw new UsageError("--duration is required (see cairn storage --help)");
  const seconds = durationFlag(values.duration, "--duration");
  const body: Record<string, unknown> = { duration: Number(seconds) };
  if (values["max-price"] !== undefined) body.maxPrice = String(weiFlag(values["max-price"], "--max-price"));
  if (values.collateral !== undefined)
    body.collateralPerByte = String(weiFlag(values.collateral, "--collateral"));
  return body;
}

function printQuote(quote: QuoteJson, io: CliIo): void {
  const w = io.stderr;
  w.write(
    `quote: ${quote.k}+${quote.m} slots of ${quote.slotSize} B at ${quote.pricePerBytePerSecond} wei/byte/s, escrow ${eth(quote.escrow)}\n`,
  );
  w.write(
    `durability: ${(quote.durability.survival * 100).toFixed(6)}% (${quote.durability.nines.toFixed(1)} nines), ` +
      `${quote.regions} regions, ${quote.infrastructures} infrastructures\n`,
  );
  for (const [i, p] of quote.providers.entries()) {
    w.write(
      `  slot ${i}: ${p.address} ${p.region}/${p.infrastructure} ${p.pricePerBytePerSecond} wei/byte/s reputation ${p.reputation.toFixed(0)}\n`,
    );
  }
  for (const e of quote.excluded) w.write(`  excluded ${e.address}: ${e.reason}\n`);
}

/** A file on disk is uploaded (erasure-coded) first; anything else must be a CID. */
async function datasetCid(target: string, values: Values, io: CliIo, endpoint: ApiEndpoint): Promise<string> {
  const path = resolve(io.cwd, target);
  const isFile = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) {
    try {
      return CID.parse(target).toString();
    } catch {
      throw new UsageError(`${JSON.stringify(target)} is neither a file nor a CID`);
    }
  }
  const k = intFlag(values.k, "k", 1, MAX_SHARDS);
  const m = intFlag(values.m, "m", 0, MAX_SHARDS - 1);
  if (k === undefined || m === undefined) throw new UsageError("buying a file needs --k and --m");
  const progress = createProgress("erasure-coding", io.stderr, { quiet: values.quiet });
  const uploaded = await uploadFile(endpoint, path, {
    erasure: { k, m },
    onProgress: (e) => {
      if (e.type === "transfer:bytes") progress.update(e.detail.bytes, e.detail.total);
    },
  });
  progress.finish();
  return uploaded.cid;
}

/** Polls the purchase, drawing one progress line per slot, until `wait` is reached. */
async function follow(endpoint: ApiEndpoint, requestId: string, wait: string, io: CliIo, quiet: boolean) {
  const bars = new Map<number, Progress>();
  const finished = new Set<number>();
  for (;;) {
    const purchase = await getJson<PurchaseJson>(endpoint, `/storage/requests/${requestId}`);
    const size = Number(purchase.slotSize);
    for (const slot of purchase.slots) {
      if (finished.has(slot.index)) continue;
      let bar = bars.get(slot.index);
      if (bar === undefined) {
        bar = createProgress(`slot ${slot.index} → ${slot.region}`, io.stderr, { quiet });
        bars.set(slot.index, bar);
      }
      bar.update(slot.pushed ? size : (slot.bytesPushed ?? 0), size);
      if (slot.pushed) {
        bar.finish();
        finished.add(slot.index);
      }
    }
    const waiting = purchase.state === "requested" || purchase.state === "uploading";
    if (!waiting) return purchase;
    if (wait === "pushed" && finished.size === purchase.slots.length) return purchase;
    await sleep(POLL_MS);
  }
}

function printPurchase(p: PurchaseJson, io: CliIo): void {
  const rows: Array<[string, string]> = [
    ["request", p.requestId],
    ["dataset", p.cid],
    ["state", p.onChain === undefined ? p.state : `${p.state} (on-chain ${p.onChain.state})`],
    ["slots", `${p.k}+${p.m} of ${p.slotSize} B, ${p.slotsPushed} pushed, ${p.filledSlots ?? 0} filled`],
    ["escrow", eth(p.escrow)],
    ["expiry", new Date(p.expiry * 1000).toISOString()],
  ];
  if (p.endsAt !== undefined) rows.push(["ends", new Date(p.endsAt * 1000).toISOString()]);
  if (p.timeLeft !== undefined) rows.push(["time left", `${p.timeLeft} s`]);
  if (p.withdrawn !== undefined) rows.push(["withdrawn", eth(p.withdrawn)]);
  if (p.lastError !== undefined) rows.push(["last error", p.lastError]);
  for (const [key, value] of rows) io.stdout.write(`${`${key}:`.padEnd(12)}${value}\n`);
  for (const s of p.slots) {
    const state = s.onChainState === undefined ? "" : ` ${s.onChainState}`;
    const error = s.lastError === undefined ? "" : ` (last error: ${s.lastError})`;
    io.stdout.write(
      `  slot ${s.index}: ${s.provider} ${s.region}/${s.infrastructure} ${s.pushed ? "pushed" : `not pushed, ${s.attempts} tries`}${state}${error}\n`,
    );
  }
}

function oneArgument(positionals: string[], what: string): string {
  const [value, extra] = positionals;
  if (value === undefined || extra !== undefined)
    throw new UsageError(`takes one ${what} (see cairn storage --help)`);
  return value;
}

export async function storageCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseSubcommand(args, OPTIONS, "storage", STORAGE_HELP, io);
  if ("exit" in parsed) return parsed.exit;
  const { values, command, rest } = parsed;
  const json = (value: unknown) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  switch (command) {
    case "quote": {
      const cid = oneArgument(rest, "dataset CID");
      const endpoint = await resolveEndpoint(values, io.env, false);
      const quote = await postJson<QuoteJson>(endpoint, "/storage/quote", { cid, ...terms(values) });
      if (values.json) json(quote);
      else printQuote({ ...quote }, { ...io, stderr: io.stdout });
      return EXIT_OK;
    }
    case "buy": {
      const target = oneArgument(rest, "file or CID");
      const wait = values.wait ?? "pushed";
      if (!["pushed", "started", "none"].includes(wait))
        throw new UsageError(`--wait must be pushed, started or none, got ${JSON.stringify(wait)}`);
      const body = terms(values);
      const probability = intFlag(values["proof-probability"], "proof-probability", 1, 65_535);
      const expiry =
        values.expiry === undefined ? undefined : Number(durationFlag(values.expiry, "--expiry"));
      const endpoint = await resolveEndpoint(values, io.env, true);
      const cid = await datasetCid(target, values, io, endpoint);
      const quote = await postJson<QuoteJson>(endpoint, "/storage/quote", { cid, ...body });
      if (!values.quiet) printQuote(quote, io);
      const k = intFlag(values.k, "k", 1, MAX_SHARDS);
      const m = intFlag(values.m, "m", 0, MAX_SHARDS - 1);
      const created = await postJson<{ requestId: string }>(endpoint, "/storage/requests", {
        cid,
        ...body,
        ...(k === undefined ? {} : { k }),
        ...(m === undefined ? {} : { m }),
        ...(probability === undefined ? {} : { proofProbability: probability }),
        ...(expiry === undefined ? {} : { expiry }),
      });
      if (!values.quiet) io.stderr.write(`requested ${created.requestId}\n`);
      const purchase =
        wait === "none"
          ? await getJson<PurchaseJson>(endpoint, `/storage/requests/${created.requestId}`)
          : await follow(endpoint, created.requestId, wait, io, values.quiet === true);
      if (values.json) json(purchase);
      else io.stdout.write(`${created.requestId}\n`);
      const ok = !["aborted", "cancelled", "failed"].includes(purchase.state);
      if (!ok && !values.quiet) io.stderr.write(`the request ended ${purchase.state}\n`);
      return ok ? EXIT_OK : EXIT_FAILURE;
    }
    case "status": {
      const endpoint = await resolveEndpoint(values, io.env, false);
      if (rest.length === 0) {
        const { requests } = await getJson<{ requests: PurchaseJson[] }>(endpoint, "/storage/requests");
        if (values.json) json(requests);
        else
          for (const p of requests)
            io.stdout.write(
              `${p.requestId} ${p.state.padEnd(10)} ${p.k}+${p.m} ${p.cid} escrow ${eth(p.escrow)}\n`,
            );
        return EXIT_OK;
      }
      const requestId = oneArgument(rest, "request id");
      const purchase = await getJson<PurchaseJson>(endpoint, `/storage/requests/${requestId}`);
      if (values.json) json(purchase);
      else printPurchase(purchase, io);
      return EXIT_OK;
    }
    case "withdraw": {
      const requestId = oneArgument(rest, "request id");
      const endpoint = await resolveEndpoint(values, io.env, true);
      const purchase = await postJson<PurchaseJson>(endpoint, `/storage/requests/${requestId}/withdraw`);
      if (values.json) json(purchase);
      else
        io.stdout.write(
          `withdrawn: ${purchase.withdrawn === undefined ? "done" : eth(purchase.withdrawn)}\n`,
        );
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown storage command ${JSON.stringify(command)} (see cairn storage --help)`);
  }
}
