import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { generateEncryptionKey } from "../../core/encryption.ts";
import { intFlag, parse } from "../args.ts";
import { uploadFile } from "../client.ts";
import { EXIT_OK, MAX_SHARDS } from "../constants.ts";
import { ENDPOINT_HELP, ENDPOINT_OPTIONS, resolveEndpoint } from "../endpoint.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { writeKeyFile } from "../keyfile.ts";
import { createProgress } from "../progress.ts";

export const UPLOAD_HELP = `Usage: cairn upload <file> [options]

Streams a file to a running node and prints its CID on stdout. With --k and --m the node
also erasure-codes it into k + m slots and prints the dataset manifest's CID instead.

Options:
  --k <n>              data blocks per stripe (1 to ${MAX_SHARDS}); needs --m
  --m <n>              parity blocks per stripe (0 to ${MAX_SHARDS - 1}); needs --k
  --encrypt            encrypt here with AES-256-GCM before sending, under a new random key
                       that never leaves this machine; it is written to --key-file
  --key-file <path>    where --encrypt writes the key (default: <file>.cairn-key; never
                       overwritten). Keep it: without it the data cannot be read back.
  --json               print the node's whole answer as JSON
  -q, --quiet          no progress on stderr
  -h, --help           show this help

${ENDPOINT_HELP}`;

export async function uploadCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...ENDPOINT_OPTIONS,
      k: { type: "string" },
      m: { type: "string" },
      encrypt: { type: "boolean" },
      "key-file": { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
    "upload",
  );
  if (values.help) {
    io.stdout.write(`${UPLOAD_HELP}\n`);
    return EXIT_OK;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`upload takes one file, got ${positionals.length} (see cairn upload --help)`);
  }
  const file = resolve(io.cwd, positionals[0] as string);
  const k = intFlag(values.k, "k", 1, MAX_SHARDS);
  const m = intFlag(values.m, "m", 0, MAX_SHARDS - 1);
  if ((k === undefined) !== (m === undefined)) throw new UsageError("--k and --m go together");
  if (k !== undefined && m !== undefined && k + m > MAX_SHARDS) {
    throw new UsageError(`--k plus --m must be at most ${MAX_SHARDS}, got ${k + m}`);
  }
  if (values["key-file"] !== undefined && !values.encrypt) throw new UsageError("--key-file needs --encrypt");
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new UsageError(`${positionals[0]} is not a readable file`);

  const endpoint = await resolveEndpoint(values, io.env, true);
  if (endpoint.token === undefined) {
    throw new UsageError(
      "no API token: set CAIRN_API_TOKEN, or pass the node's --data-dir so its api-token file is read",
    );
  }
  let encryptionKey: Uint8Array | undefined;
  let keyFile: string | undefined;
  if (values.encrypt) {
    keyFile = resolve(io.cwd, values["key-file"] ?? `${basename(file)}.cairn-key`);
    encryptionKey = generateEncryptionKey();
    await writeKeyFile(keyFile, encryptionKey);
  }

  const progress = createProgress("upload", io.stderr, { quiet: values.quiet });
  const result = await uploadFile(endpoint, file, {
    erasure: k !== undefined && m !== undefined ? { k, m } : undefined,
    encryptionKey,
    onProgress: (event) => {
      if (event.type === "transfer:bytes") progress.update(event.detail.bytes, event.detail.total);
    },
  });
  progress.finish();
  if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout.write(`${result.cid}\n`);
  if (keyFile !== undefined) io.stderr.write(`encryption key written to ${keyFile}; keep it safe\n`);
  return EXIT_OK;
}
