/**
 * The demo's last step: the client drops its own copy of the file and fetches it back
 * from the providers with the paid block exchange (vouchers over payment channels, blocks
 * from several providers at once), then checks the result byte for byte.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { downloadFile } from "../../node/src/cli/client.ts";
import { fetchIntoNode, type ProviderLine } from "../../node/src/cli/retrieval.ts";
import { ChainError } from "../chain/errors.ts";
import type { DemoNetwork, DemoNode } from "./network.ts";

export interface RetrievalOutcome {
  bytes: number;
  fetchedBlocks: number;
  /** Per provider: its node's name (or peer id), blocks and bytes sent, wei paid. */
  providers: { name: string; blocks: number; bytes: number; paid: bigint }[];
  sha256: string;
  matches: boolean;
  output: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function dropLocalCopy(client: DemoNode, cid: string): Promise<void> {
  const response = await fetch(`${client.endpoint.url}/api/v1/data/${cid}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${client.endpoint.token}` },
  });
  if (!response.ok && response.status !== 404) {
    throw new ChainError(
      `${client.name} could not drop its copy of ${cid}: HTTP ${response.status} ${await response.text()}`,
    );
  }
}

export async function fetchBack(
  network: DemoNetwork,
  client: DemoNode,
  cid: string,
  original: { sha256: string },
  { log, workDir }: { log: (line: string) => void; workDir: string },
): Promise<RetrievalOutcome> {
  log(
    `${client.name} drops its local copy and fetches the file back from the providers, paying per block ...`,
  );
  await dropLocalCopy(client, cid);
  const nameOf = (peer: string) => network.nodes.find((node) => node.peerId === peer)?.name ?? peer;
  let lastPercent = -1;
  const done = await fetchIntoNode(client.endpoint, cid, (line) => {
    if (line.type !== "progress" || line.size === 0) return;
    const percent = Math.floor((line.bytes / line.size) * 10) * 10;
    if (percent === lastPercent) return;
    lastPercent = percent;
    log(`  ${percent}% from ${line.providers.map((p: ProviderLine) => nameOf(p.peer)).join(", ")}`);
  });
  if (done === undefined) throw new ChainError(`${client.name} has no block exchange to fetch with`);
  const output = join(workDir, `fetched-${cid}`);
  const { written } = await downloadFile(client.endpoint, cid, output, { force: true });
  const sha256 = await sha256File(output);
  const providers = done.providers.map((p) => ({
    name: nameOf(p.peer),
    blocks: p.blocks,
    bytes: p.bytes,
    paid: BigInt(p.paid),
  }));
  for (const p of providers) log(`  ${p.name}: ${p.blocks} blocks, ${p.bytes} bytes, paid ${p.paid} wei`);
  const matches = sha256 === original.sha256;
  log(
    `  ${written} bytes written to ${output}; sha-256 ${matches ? "matches" : "DIFFERS FROM"} the original`,
  );
  return { bytes: written, fetchedBlocks: done.fetchedBlocks, providers, sha256, matches, output };
}
