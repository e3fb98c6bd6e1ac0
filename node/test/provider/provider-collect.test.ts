/**
 * `POST /api/v1/provider/collect` and `cairn provider collect` on a real chain: three
 * provider nodes (no agents, so nothing collects behind the test's back) fill the three
 * slots of a request; once it has finished, provider1 collects through the API and provider2
 * through the CLI, each exactly once.
 */
import { type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slotIdOf } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { tempFolder } from "../chain/helpers.ts";
import { runCairn } from "../helpers/cli.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { until } from "../helpers/until.ts";
import {
  blockTicker,
  clientDataset,
  errorOf,
  registerProvider,
  requestStorage,
  SLOT_SERVER_TOKEN,
  type SalesNode,
  salesNode,
  uploadSlot,
} from "../sales/helpers.ts";

interface Collected {
  collected: Array<{
    slotId: Hex;
    requestId: Hex;
    slotIndex: number;
    payment: string;
    collateral: string;
    transactionHash: Hex;
  }>;
}

describe("collecting ended slots by hand, on a real chain", () => {
  let devnet: Devnet;
  let folder: ReturnType<typeof tempFolder>;
  let nodes: SalesNode[];
  let ticker: { stop(): Promise<void> };
  let requestId: Hex;
  let endsAt: bigint;

  const node = (i: number) => nodes[i - 1] as SalesNode;
  const collect = (body?: unknown, { to = node(1), auth = true } = {}) =>
    fetch(`${to.url}/api/v1/provider/collect`, {
      method: "POST",
      headers: {
        ...(auth ? { authorization: `Bearer ${SLOT_SERVER_TOKEN}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const cairn = (to: SalesNode, ...args: string[]) =>
    runCairn(["provider", "collect", ...args], {
      apiUrl: to.url,
      token: SLOT_SERVER_TOKEN,
      folder: folder.path,
    });

  beforeAll(async () => {
    devnet = await startDevnet();
    folder = tempFolder("cairn-provider-collect-");
    nodes = [];
    for (const role of ["provider1", "provider2", "provider3"]) {
      const n = await salesNode(devnet, role, folder.path, { provider: role !== "provider3" });
      nodes.push(n);
      await registerProvider(devnet, role, n.url);
    }
    await devnet.increaseTime(61);
    // k = 2, m = 1 over 600 KiB: three 512 KiB slots, slot i designated to provider i + 1.
    const dataset = await clientDataset(600 * 1024, 2, 1, node(1).sales.timing.cellSize);
    ({ requestId, endsAt } = await requestStorage(
      devnet,
      dataset,
      nodes.map((n) => n.address),
    ));
    ticker = blockTicker(devnet);
    for (const [i, n] of nodes.entries()) {
      const res = await uploadSlot(n.url, requestId, i, dataset.slots[i] as Uint8Array);
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
      await until(
        `slot ${i} filled`,
        () => n.sales.heldSlots.get(slotIdOf(requestId, i))?.state === "filled",
      );
    }
  }, 120_000);

  afterAll(async () => {
    await ticker?.stop();
    for (const n of nodes ?? []) await n.stop();
    await devnet?.stop();
    folder?.remove();
  });

  it("refuses without the token", async () => {
    expect((await collect({}, { auth: false })).status).toBe(401);
  });

  it.each([
    [{ slotId: "0x1234" }, "slotId", /slotId must match pattern/],
    [{ slotId: `0x${"g".repeat(64)}` }, "slotId", /slotId must match pattern/],
    [{ slotIndex: 1 }, "slotIndex", /needs requestId/],
    [{ requestId: `0x${"ab".repeat(32)}` }, "requestId", /needs slotIndex/],
    [{ slotIndex: 70_000, requestId: `0x${"00".repeat(32)}` }, "slotIndex", /<= 65535/],
    [
      { slotId: `0x${"00".repeat(32)}`, slotIndex: 0, requestId: `0x${"00".repeat(32)}` },
      "slotId",
      /not both/,
    ],
    [{ requestId: `0x${"00".repeat(31)}01`, slotIndex: 0 }, "requestId", /not a request id/],
    [{ slot: 1 }, "slot", /unknown body slot/],
  ])("answers 400 naming the field for %o", async (body, field, message) => {
    const res = await collect(body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_PARAMETER");
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("answers 422 for a slot of another provider, and for a request still running", async () => {
    const theirs = await collect({ requestId, slotIndex: 2 });
    expect(theirs.status).toBe(422);
    const notMine = await errorOf(theirs);
    expect(notMine.code).toBe("SLOT_NOT_COLLECTABLE");
    expect(notMine.message).toContain("is not held by this node");
    expect(notMine.message).toContain(node(3).address);

    const early = await collect({ slotId: slotIdOf(requestId, 0) });
    expect(early.status).toBe(422);
    expect((await errorOf(early)).message).toMatch(/has not ended \(it is Started\)/);
    // Nothing ends before its time: collecting everything finds nothing yet.
    expect(((await (await collect()).json()) as Collected).collected).toEqual([]);
  });

  it("collects a finished request's slot once, through the API", async () => {
    const now = (await devnet.publicClient.getBlock()).timestamp;
    await devnet.increaseTime(Number(endsAt - now) + 1);

    const res = await collect();
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
    const { collected } = (await res.json()) as Collected;
    const slotId = slotIdOf(requestId, 0);
    expect(collected).toHaveLength(1);
    const [entry] = collected;
    expect(entry).toMatchObject({ slotId, requestId, slotIndex: 0 });
    expect(BigInt(entry?.payment ?? 0)).toBeGreaterThan(0n);
    const receipt = await devnet.publicClient.getTransactionReceipt({ hash: entry?.transactionHash as Hex });
    const [event] = parseEventLogs({
      abi: storageMarketAbi,
      logs: receipt.logs,
      eventName: "PaymentCollected",
    });
    expect(event?.args).toMatchObject({
      slotId,
      payment: BigInt(entry?.payment ?? -1),
      collateral: BigInt(entry?.collateral ?? -1),
    });
    // Recorded where the sales agent records its own collections, so it will not collect it again.
    expect(node(1).collector.recorded(slotId)).toEqual({
      txHash: entry?.transactionHash,
      payment: entry?.payment,
      collateral: entry?.collateral,
    });

    for (const again of [collect(), collect({ slotId })]) {
      const second = await again;
      expect(second.status).toBe(200);
      expect(((await second.json()) as Collected).collected).toEqual([]);
    }
  });

  it("collects by request and index through the CLI, then has nothing to collect", async () => {
    const first = await cairn(node(2), "--request-id", requestId, "--slot-index", "1");
    expect(first.code, first.stderr).toBe(0);
    const slotId = slotIdOf(requestId, 1);
    expect(first.stdout).toContain(`collected ${slotId} (request ${requestId} slot 1): payment `);
    expect(first.stdout).toMatch(
      /, tx 0x[0-9a-f]{64}\n1 slot collected: [0-9.]+ ETH paid, [0-9.]+ ETH collateral returned\n$/,
    );
    expect(node(2).collector.recorded(slotId)?.txHash).toMatch(/^0x[0-9a-f]{64}$/);

    const second = await cairn(node(2));
    expect(second).toMatchObject({ code: 0, stdout: "nothing to collect\n" });
  });

  it.each([
    [["--slot-index", "1"], /--slot-index needs --request-id/],
    [["--slot-id", "0x12"], /--slot-id must be 0x and 64 hex digits/],
    [["--request-id", `0x${"00".repeat(32)}`, "--slot-index", "x"], /--slot-index must be an integer/],
  ])("exits 2 with one line for %j", async (args, message) => {
    const run = await cairn(node(2), ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exits 1 with the node's reason for another provider's slot", async () => {
    const run = await cairn(node(2), "--slot-id", slotIdOf(requestId, 0));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not held by this node");
  });
});
