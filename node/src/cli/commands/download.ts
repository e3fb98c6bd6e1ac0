import { resolve } from "node:path";
import { parse } from "../args.ts";
import { downloadFile } from "../client.ts";
import { EXIT_OK } from "../constants.ts";
import { ENDPOINT_HELP, ENDPOINT_OPTIONS, resolveEndpoint } from "../endpoint.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { readKeyFile } from "../keyfile.ts";
import { createProgress } from "../progress.ts";
import { createRetrievalProgress, fetchIntoNode } from "../retrieval.ts";

export const DOWNLOAD_HELP = `Usage: cairn download <cid> -o <file> [options]

Streams data from a running node into <file>. The bytes go to a temp file next to it that
is renamed into place once complete, so an interrupted download leaves no partial file.

When the node does not hold the data, it first fetches it from the providers that do
(found in the DHT, paid through payment channels) into its own store, and progress per
provider is shown on stderr; the file is then read from the node. This step needs the
API token (CAIRN_API_TOKEN or --token); without one the node streams what it can.

Options:
  -o, --output <file>  where to write; - for stdout (required)
  --key-file <path>    decrypt with this key (data uploaded with --encrypt)
  -f, --force          replace <file> if it exists
  -q, --quiet          no progress on stderr
  -h, --help           show this help

${ENDPOINT_HELP}`;

export async function downloadCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...ENDPOINT_OPTIONS,
      output: { type: "string", short: "o" },
      "key-file": { type: "string" },
      force: { type: "boolean", short: "f" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
    "download",
  );
  if (values.help) {
    io.stdout.write(`${DOWNLOAD_HELP}\n`);
    return EXIT_OK;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`download takes one CID, got ${positionals.length} (see cairn download --help)`);
  }
  if (values.output === undefined) throw new UsageError("download needs -o <file> (or -o - for stdout)");
  const cid = positionals[0] as string;
  if (!/^[A-Za-z0-9]{8,128}$/.test(cid)) throw new UsageError(`${JSON.stringify(cid)} is not a CID`);
  const output = values.output === "-" ? "-" : resolve(io.cwd, values.output);
  const encryptionKey =
    values["key-file"] === undefined ? undefined : await readKeyFile(resolve(io.cwd, values["key-file"]));
  const endpoint = await resolveEndpoint(values, io.env, false);
  const network = createRetrievalProgress(io.stderr, values.quiet === true);
  const fetched = await fetchIntoNode(endpoint, cid, (line) => {
    if (line.type === "progress") network.update(line);
  });
  if (fetched !== undefined) network.finish(fetched);
  const progress = createProgress("download", io.stderr, { quiet: values.quiet });
  const { written } = await downloadFile(endpoint, cid, output, {
    encryptionKey,
    force: values.force,
    onProgress: (event) => {
      if (event.type === "transfer:bytes") progress.update(event.detail.bytes, event.detail.total);
    },
  });
  progress.finish();
  if (output !== "-") io.stderr.write(`wrote ${written} bytes to ${output}\n`);
  return EXIT_OK;
}
