/**
 * Nodes killed with SIGKILL (no clean shutdown: as a power cut or the OOM killer would)
 * in the middle of an upload, a proof and a download, then started again on their own
 * data: whatever was stored before is found whole, nothing half-written shows, the slot
 * is still held and proven, and the interrupted work can be done again.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiEndpoint, getJson } from "../../node/src/cli/client.ts";
import { fetchIntoNode } from "../../node/src/cli/retrieval.ts";
import { slotIdOf } from "../../node/src/core/ids.ts";
import { storageMarketAbi } from "../../node/src/generated/contracts.ts";
import { type BoughtDeal, buyStorage, waitForProofs, waitUntilStarted } from "../../scripts/demo/deal.ts";
import { waitForMarket } from "../../scripts/demo/market-events.ts";
import { connectDemoNetwork, type DemoNetwork } from "../../scripts/demo/network.ts";
import { type SystemNetwork, startSystemNetwork } from "./network.ts";

const quiet = { log: (line: string) => process.env.CAIRN_DEBUG && console.log(line), timeoutMs: 90_000 };
const MiB = 2 ** 20;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Dataset {
  cid: string;
  size: number;
}

async function datasets(endpoint: ApiEndpoint): Promise<Dataset[]> {
  return (await getJson<{ datasets: Dataset[] }>(endpoint, "/data?limit=1000")).datasets;
}

async function read(endpoint: ApiEndpoint, cid: string): Promise<Uint8Array> {
  const response = await fetch(`${endpoint.url}/api/v1/data/${cid}`);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

/** POSTs `bytes` as an upload, a 256 KiB piece at a time, calling `onSent` after each piece. */
async function upload(
  endpoint: ApiEndpoint,
  bytes: Uint8Array,
  onSent: (sent: number) => void = () => {},
): Promise<Response> {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const piece = bytes.subarray(offset, offset + 256 * 1024);
      offset += piece.length;
      controller.enqueue(piece);
      onSent(offset);
      await new Promise((resolve) => setTimeout(resolve, 5));
    },
  });
  return fetch(`${endpoint.url}/api/v1/data?k=2&m=1`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${endpoint.token}`,
      "content-type": "application/octet-stream",
      "content-length": String(bytes.length),
    },
    body,
    duplex: "half",
  } as RequestInit);
}

describe("nodes killed with SIGKILL and started again", () => {
  let network: SystemNetwork;
  let demo: DemoNetwork;
  const folder = mkdtempSync(join(tmpdir(), "cairn-crash-"));
  let deal: BoughtDeal;
  const original = new Uint8Array(randomBytes(6 * MiB));

  beforeAll(async () => {
    network = await startSystemNetwork({
      roles: ["provider1", "provider2", "provider3", "provider4", "client1", "validator"],
      apiPortBase: 19_381,
      p2pPortBase: 19_401,
      // Providers serve at 1 MiB/s each, so a download is still under way when it is cut.
      extraFlags: Object.fromEntries(
        ["provider1", "provider2", "provider3", "provider4"].map((name) => [
          name,
          ["--exchange-max-bytes-per-second", String(MiB)],
        ]),
      ),
    });
    demo = await connectDemoNetwork(network.stack);
  });

  afterAll(async () => {
    await network?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  /** The node's endpoint after a restart (same port and token). */
  const endpointOf = (name: string) => demo.node(name).endpoint;

  it("during an upload: the datasets stored before are whole, the cut one is not listed, and it can be sent again", async () => {
    const client = endpointOf("client1");
    const kept = new Uint8Array(randomBytes(700_000));
    const stored = (await (await upload(client, kept)).json()) as { cid: string };
    const big = new Uint8Array(randomBytes(48 * MiB));

    let killing: Promise<void> | undefined;
    const cut = await upload(client, big, (sent) => {
      if (sent >= 8 * MiB && killing === undefined) killing = network.kill("client1");
    }).then(
      () => "answered",
      () => "cut",
    );
    await killing;
    expect(cut).toBe("cut");
    await network.restart("client1");

    const listed = await datasets(client);
    expect(listed.map((d) => d.cid)).toEqual([stored.cid]);
    expect(sha256(await read(client, stored.cid))).toBe(sha256(kept));
    const again = await upload(client, big);
    expect(again.status).toBe(201);
    const { cid } = (await again.json()) as { cid: string };
    expect(sha256(await read(client, cid))).toBe(sha256(big));
  });

  it("during a proof: the provider still holds its slot after the restart and proves the same period", async () => {
    const client = demo.node("client1");
    const path = join(folder, "deal.bin");
    writeFileSync(path, original);
    deal = await buyStorage(
      demo,
      client,
      path,
      { k: 2, m: 1, duration: 3600, proofProbability: 1, collateralPerByte: 1000n },
      quiet,
    );
    await waitUntilStarted(client, deal, quiet);
    await waitForProofs(demo, deal, quiet);

    // Stop the chain one block into a period: the seed is readable, the proof is due, and
    // the prover is at it. The host is killed then, and comes back before any block moves.
    const { periodBlocks } = await demo.publicClient.readContract({
      address: demo.market,
      abi: storageMarketAbi,
      functionName: "config",
    });
    for (;;) {
      const block = await demo.publicClient.getBlockNumber();
      if (block % BigInt(periodBlocks) === 1n) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await network.holdBlocks();
    const period = (await demo.publicClient.getBlockNumber()) / BigInt(periodBlocks);
    const host = deal.hosts[1]?.name as string;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await network.kill(host);
    await network.restart(host);
    network.resumeBlocks();

    const slotId = slotIdOf(deal.requestId, 1);
    const events = await waitForMarket(
      demo.publicClient,
      demo.market,
      deal.fromBlock,
      (all) =>
        all.some(
          (e) => e.eventName === "ProofSubmitted" && e.args.slotId === slotId && e.args.period > period,
        ),
      { what: `${host}'s proofs after its restart`, timeoutMs: 60_000 },
    );
    const proven = events.flatMap((e) =>
      e.eventName === "ProofSubmitted" && e.args.slotId === slotId ? [e.args.period] : [],
    );
    expect(proven).toContain(period);
    expect(events.filter((e) => e.eventName === "ProofMissed")).toEqual([]);
    const slot = await demo.publicClient.readContract({
      address: demo.market,
      abi: storageMarketAbi,
      functionName: "slotInfo",
      args: [slotId as Hex],
    });
    expect(slot.host).toBe(deal.hosts[1]?.address);
  });

  it("during a download: the restarted client fetches the file again, whole", async () => {
    expect(deal).toBeDefined();
    const client = endpointOf("client1");
    // The request has started, so the client may drop its copy and must fetch it back.
    const dropped = await fetch(`${client.url}/api/v1/data/${deal.manifestCid}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${client.token}` },
    });
    expect([200, 204]).toContain(dropped.status);

    let killing: Promise<void> | undefined;
    const cut = await fetchIntoNode(client, deal.manifestCid, (line) => {
      if (line.type === "progress" && line.bytes > 0 && killing === undefined)
        killing = network.kill("client1");
    }).then(
      () => "finished",
      () => "cut",
    );
    await killing;
    expect(cut).toBe("cut");
    await network.restart("client1");

    const done = await fetchIntoNode(client, deal.manifestCid, () => {});
    expect(done?.type).toBe("done");
    expect(sha256(await read(client, deal.manifestCid))).toBe(sha256(original));
  });
});
