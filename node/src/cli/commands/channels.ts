import { formatEther } from "viem";
import { weiFlag } from "../amounts.ts";
import { getJson, postJson } from "../client.ts";
import { EXIT_OK } from "../constants.ts";
import { resolveEndpoint } from "../endpoint.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { parseSubcommand, SUBCOMMAND_OPTIONS, subcommandHelpEnd } from "../subcommands.ts";

export const CHANNELS_HELP = `Usage: cairn channels <command> [options]

The payment channels the node pays providers through for the blocks it fetches. The node
opens and tops them up on its own as downloads need (within its channel budget); these
commands do it by hand. Each change is a transaction; the command prints its hash.

Commands:
  list                          the node's channels (to providers), and as a provider the
                                latest voucher of each channel that pays it
  open <recipient> <amount>     open a channel to a provider's wallet with a deposit
  deposit <channel-id> <amount> add to a channel's deposit
  close <channel-id>            ask to close: the provider may still cash vouchers during
                                the channel's close delay; the rest comes back after it

${subcommandHelpEnd(30)}`;

interface SentJson {
  channelId: string;
  recipient: string;
  deposit: string;
  paid: string;
  state: string;
}

interface ReceivedJson {
  channelId: string;
  sender: string;
  peerId: string;
  amount: string;
  settled: string;
  closed: boolean;
}

interface ListJson {
  address?: string;
  sent: SentJson[];
  received: ReceivedJson[];
}

interface WriteJson {
  channel: SentJson;
  transactionHash: string;
}

const eth = (wei: string) => `${formatEther(BigInt(wei))} ETH`;
const CHANNEL_ID = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function printList(list: ListJson, io: CliIo): void {
  if (list.sent.length === 0 && list.received.length === 0) {
    io.stdout.write("no payment channels\n");
    return;
  }
  if (list.sent.length > 0) io.stdout.write(`paying (from ${list.address ?? "this node"}):\n`);
  for (const c of list.sent) {
    io.stdout.write(
      `  ${c.channelId}  to ${c.recipient}  ${c.state}  deposit ${eth(c.deposit)}  paid ${eth(c.paid)}\n`,
    );
  }
  if (list.received.length > 0) io.stdout.write("paid by:\n");
  for (const v of list.received) {
    io.stdout.write(
      `  ${v.channelId}  from ${v.sender}  ${v.closed ? "closed" : "open"}  vouchers ${eth(v.amount)}  cashed ${eth(v.settled)}\n`,
    );
  }
}

function channelId(value: string | undefined): string {
  if (value === undefined || !CHANNEL_ID.test(value)) {
    throw new UsageError(`a channel id is 0x and 64 hex digits, got ${JSON.stringify(value ?? "")}`);
  }
  return value;
}

function exactly(positionals: string[], count: number, usage: string): void {
  if (positionals.length !== count) throw new UsageError(`usage: cairn channels ${usage}`);
}

export async function channelsCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseSubcommand(args, SUBCOMMAND_OPTIONS, "channels", CHANNELS_HELP, io);
  if ("exit" in parsed) return parsed.exit;
  const { values, command, rest } = parsed;
  if (command === "list") {
    exactly(rest, 0, "list");
    const endpoint = await resolveEndpoint(values, io.env, false);
    const list = await getJson<ListJson>(endpoint, "/channels");
    if (values.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else printList(list, io);
    return EXIT_OK;
  }
  let call: { path: string; body?: unknown };
  switch (command) {
    case "open": {
      exactly(rest, 2, "open <recipient> <amount>");
      const [recipient = "", amount = ""] = rest;
      if (!ADDRESS.test(recipient))
        throw new UsageError(`<recipient> must be an address, got ${JSON.stringify(recipient)}`);
      call = { path: "/channels", body: { recipient, deposit: String(weiFlag(amount, "<amount>")) } };
      break;
    }
    case "deposit": {
      exactly(rest, 2, "deposit <channel-id> <amount>");
      const [id, amount = ""] = rest;
      call = {
        path: `/channels/${channelId(id)}/deposit`,
        body: { amount: String(weiFlag(amount, "<amount>")) },
      };
      break;
    }
    case "close":
      exactly(rest, 1, "close <channel-id>");
      call = { path: `/channels/${channelId(rest[0])}/close` };
      break;
    default:
      throw new UsageError(`unknown channels command ${JSON.stringify(command)} (see cairn channels --help)`);
  }
  const endpoint = await resolveEndpoint(values, io.env, true);
  const result = await postJson<WriteJson>(endpoint, call.path, call.body);
  if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const c = result.channel;
    io.stdout.write(
      `${command}: ${c.channelId} ${c.state}, deposit ${eth(c.deposit)}; mined in ${result.transactionHash}\n`,
    );
  }
  return EXIT_OK;
}
