import { formatEther } from "viem";
import { durationFlag, sizeFlag, weiFlag } from "../amounts.ts";
import type { parse } from "../args.ts";
import { type ApiEndpoint, getJson, postJson } from "../client.ts";
import { EXIT_OK } from "../constants.ts";
import { resolveEndpoint } from "../endpoint.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { parseSubcommand, SUBCOMMAND_OPTIONS, subcommandHelpEnd } from "../subcommands.ts";
import { type CollectedJson, collectRequest, printCollected } from "./provider-collect.ts";

export const PROVIDER_HELP = `Usage: cairn provider <command> [options]

Manages the node's provider account on the registry. Every change is a transaction the
node signs with its wallet; the command prints its hash once it is mined.

Commands:
  status                       the registry's record: stake, exit, offer, paused
  register --stake <amount> <offer options>
                               register with a stake and an offer; the node publishes its
                               peer id, libp2p addresses and REST API URL
  stake <amount>               add stake
  unstake <amount>             queue an exit of free stake (unbonding period applies)
  withdraw                     withdraw the queued exit once unlocked
  offer <offer options>        change the offer; options not given keep their value
  pause | resume               stop or restart taking new slots
  collect [--slot-id <id> | --request-id <id> --slot-index <n>]
                               collect the payment and collateral of every held slot
                               whose request has ended (or of the one slot named); the
                               node also does this on its own, and never collects twice

Offer options:
  --price <amount>             lowest price accepted per byte per second (e.g. 2wei)
  --max-collateral <amount>    highest collateral accepted per byte of slot
  --min-duration <duration>    shortest request accepted (3600, 30m, 12h, 7d)
  --max-duration <duration>    longest request accepted
  --capacity <size>            disk space offered (e.g. 100GiB)
  --region <label>             e.g. eu-west (at most 16 bytes)
  --infrastructure <label>     e.g. hetzner (at most 16 bytes)
  --public-api-url <url>       (register) the URL clients reach this node's REST API at;
                               default: the API's own URL

Collect options:
  --slot-id <id>               the slot, 0x and 64 hex digits
  --request-id <id>            with --slot-index: the slot's request
  --slot-index <n>             with --request-id: the slot's index in the request

${subcommandHelpEnd(29)}`;

const OPTIONS = {
  ...SUBCOMMAND_OPTIONS,
  stake: { type: "string" },
  price: { type: "string" },
  "max-collateral": { type: "string" },
  "min-duration": { type: "string" },
  "max-duration": { type: "string" },
  capacity: { type: "string" },
  region: { type: "string" },
  infrastructure: { type: "string" },
  "public-api-url": { type: "string" },
  "slot-id": { type: "string" },
  "request-id": { type: "string" },
  "slot-index": { type: "string" },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>["values"];

interface OfferJson {
  pricePerBytePerSecond: string;
  maxCollateralPerByte: string;
  minDuration: string;
  maxDuration: string;
  capacity: string;
  region: string;
  infrastructure: string;
}

interface StatusJson {
  address: string;
  registered: boolean;
  paused: boolean;
  stake: string;
  lockedCollateral: string;
  exitAmount: string;
  exitUnlocksAt: number;
  activeFrom: number;
  minStake: string;
  offer?: OfferJson;
}

/** The offer from flags, each missing one taken from `base` (or an error naming it). */
function offerFrom(values: Values, base: OfferJson | undefined): OfferJson {
  const pick = (
    flag: keyof Values,
    key: keyof OfferJson,
    parse: (v: string, f: string) => bigint | string,
  ) => {
    const raw = values[flag];
    if (typeof raw === "string") return String(parse(raw, `--${flag}`));
    if (base !== undefined) return base[key];
    throw new UsageError(`--${flag} is required (see cairn provider --help)`);
  };
  const label = (v: string) => v;
  return {
    pricePerBytePerSecond: pick("price", "pricePerBytePerSecond", weiFlag),
    maxCollateralPerByte: pick("max-collateral", "maxCollateralPerByte", weiFlag),
    minDuration: pick("min-duration", "minDuration", durationFlag),
    maxDuration: pick("max-duration", "maxDuration", durationFlag),
    capacity: pick("capacity", "capacity", sizeFlag),
    region: pick("region", "region", label),
    infrastructure: pick("infrastructure", "infrastructure", label),
  };
}

function printStatus(status: StatusJson, io: CliIo): void {
  const eth = (wei: string) => `${formatEther(BigInt(wei))} ETH`;
  const time = (unix: number) => (unix === 0 ? "-" : new Date(unix * 1000).toISOString());
  const rows: Array<[string, string]> = [
    ["address", status.address],
    ["registered", status.registered ? "yes" : "no"],
  ];
  if (status.registered) {
    rows.push(
      ["paused", status.paused ? "yes" : "no"],
      ["stake", eth(status.stake)],
      ["locked", eth(status.lockedCollateral)],
      ["exit queued", `${eth(status.exitAmount)} (unlocks ${time(status.exitUnlocksAt)})`],
      ["active from", time(status.activeFrom)],
    );
    const offer = status.offer;
    if (offer !== undefined) {
      rows.push(
        ["price", `${offer.pricePerBytePerSecond} wei/byte/s`],
        ["collateral", `at most ${offer.maxCollateralPerByte} wei/byte`],
        ["durations", `${offer.minDuration} s to ${offer.maxDuration} s`],
        ["capacity", `${offer.capacity} bytes`],
        ["region", offer.region],
        ["infrastructure", offer.infrastructure],
      );
    }
  } else rows.push(["min stake", eth(status.minStake)]);
  for (const [key, value] of rows) io.stdout.write(`${`${key}:`.padEnd(16)}${value}\n`);
}

function amountArgument(positionals: string[], command: string): string {
  const [amount, extra] = positionals;
  if (amount === undefined || extra !== undefined) {
    throw new UsageError(`cairn provider ${command} takes one amount, e.g. 1.5eth`);
  }
  return String(weiFlag(amount, "amount"));
}

async function run(command: string, positionals: string[], values: Values, endpoint: ApiEndpoint) {
  switch (command) {
    case "register": {
      if (values.stake === undefined) throw new UsageError("--stake is required (see cairn provider --help)");
      return postJson(endpoint, "/provider/register", {
        stake: String(weiFlag(values.stake, "--stake")),
        offer: offerFrom(values, undefined),
        ...(values["public-api-url"] === undefined ? {} : { apiUrl: values["public-api-url"] }),
      });
    }
    case "stake":
      return postJson(endpoint, "/provider/stake", { amount: amountArgument(positionals, command) });
    case "unstake":
      return postJson(endpoint, "/provider/unstake", { amount: amountArgument(positionals, command) });
    case "offer": {
      const status = await getJson<StatusJson>(endpoint, "/provider");
      return postJson(endpoint, "/provider/offer", offerFrom(values, status.offer));
    }
    case "withdraw":
    case "pause":
    case "resume":
      return postJson(endpoint, `/provider/${command}`);
    default:
      throw new UsageError(`unknown provider command ${JSON.stringify(command)} (see cairn provider --help)`);
  }
}

export async function providerCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseSubcommand(args, OPTIONS, "provider", PROVIDER_HELP, io);
  if ("exit" in parsed) return parsed.exit;
  const { values, command, rest } = parsed;
  if (command === "collect") {
    if (rest.length > 0) throw new UsageError("cairn provider collect takes options only (see --help)");
    const body = collectRequest(values);
    const endpoint = await resolveEndpoint(values, io.env, true);
    const result = await postJson<CollectedJson>(endpoint, "/provider/collect", body);
    if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else printCollected(result, io);
    return EXIT_OK;
  }
  if (command === "status") {
    const endpoint = await resolveEndpoint(values, io.env, false);
    const status = await getJson<StatusJson>(endpoint, "/provider");
    if (values.json) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else printStatus(status, io);
    return EXIT_OK;
  }
  const endpoint = await resolveEndpoint(values, io.env, true);
  const result = (await run(command, rest, values, endpoint)) as { transactionHash: string };
  if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else io.stdout.write(`${command}: mined in ${result.transactionHash}\n`);
  return EXIT_OK;
}
