import { parse } from "../args.ts";
import { getInfo } from "../client.ts";
import { EXIT_OK } from "../constants.ts";
import { ENDPOINT_HELP, ENDPOINT_OPTIONS, resolveEndpoint } from "../endpoint.ts";
import type { CliIo } from "../io.ts";

export const INFO_HELP = `Usage: cairn info [options]

Shows a running node's peer id, libp2p addresses, wallet address, chain, API address and
versions.

Options:
  --json               print the node's answer as JSON
  -h, --help           show this help

${ENDPOINT_HELP}`;

export async function infoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    { ...ENDPOINT_OPTIONS, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    "info",
  );
  if (values.help) {
    io.stdout.write(`${INFO_HELP}\n`);
    return EXIT_OK;
  }
  const endpoint = await resolveEndpoint(values, io.env, false);
  const info = await getInfo(endpoint);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return EXIT_OK;
  }
  const rows: Array<[string, string]> = [
    ["api", info.addresses.api],
    ["peer id", info.peerId ?? "(p2p off)"],
    ...(info.addresses.p2p ?? []).map((address): [string, string] => ["p2p", address]),
    ["wallet", info.walletAddress ?? "(none)"],
    ["chain id", info.chainId === undefined ? "(unknown)" : String(info.chainId)],
    ["datasets", String(info.datasets)],
    ["node version", info.versions.node],
    ["api version", info.versions.api],
    ["node.js", info.versions.runtime],
  ];
  for (const [key, value] of rows) io.stdout.write(`${`${key}:`.padEnd(14)}${value}\n`);
  return EXIT_OK;
}
