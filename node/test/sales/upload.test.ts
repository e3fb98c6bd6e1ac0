import { randomBytes } from "node:crypto";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOCK_SIZE, slotIdOf } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { metricValue, tempFolder } from "../chain/helpers.ts";
import {
  blockTicker,
  type ClientDataset,
  clientDataset,
  errorOf,
  registerProvider,
  requestStorage,
  type SalesNode,
  salesNode,
  streamOf,
  uploadSlot,
} from "./helpers.ts";

describe("POST and GET /api/v1/slots on a real chain", () => {
  let devnet: Devnet;
  let folder: ReturnType<typeof tempFolder>;
  let node: SalesNode;
  let ticker: { stop(): Promise<void> };
  let dataset: ClientDataset;
  let requestId: Hex;

  beforeAll(async () => {
    devnet = await startDevnet();
    folder = tempFolder("cairn-sales-upload-");
    node = await salesNode(devnet, "provider1", folder.path);
    await registerProvider(devnet, "provider1", node.url);
    await registerProvider(devnet, "provider2", "http://127.0.0.1:9");
    await devnet.increaseTime(61);
    // k = 2, m = 2 over 600 KiB: two stripes, so four 512 KiB slots.
    dataset = await clientDataset(600 * 1024, 2, 2, node.sales.timing.cellSize);
    // Slot 0 designated to provider1, 1 and 3 open, 2 designated to provider2.
    ({ requestId } = await requestStorage(devnet, dataset, [
      node.address,
      undefined,
      devnet.account("provider2").address,
      undefined,
    ]));
    ticker = blockTicker(devnet);
  }, 60_000);

  afterAll(async () => {
    await ticker?.stop();
    await node?.stop();
    await devnet?.stop();
    folder?.remove();
  });

  const slot = (i: number) => dataset.slots[i] as Uint8Array;

  it.each([
    ["a non-numeric index", () => `${requestId}`, "abc", 400, "index"],
    ["an index past the request's slots", () => requestId, 4, 404, "index"],
    ["an unknown request", () => `0x${"ab".repeat(30)}0000` as Hex, 0, 404, "requestId"],
    ["a slot id instead of a request id", () => slotIdOf(requestId, 1), 0, 400, "requestId"],
    ["a malformed request id", () => "0x1234" as Hex, 0, 400, "requestId"],
  ])("refuses %s (%i)", async (_what, id, index, status, field) => {
    const res = await uploadSlot(node.url, id() as Hex, index, slot(0));
    expect(res.status).toBe(status);
    expect((await errorOf(res)).field).toBe(field);
  });

  it("refuses a slot designated to another provider, before reading the body", async () => {
    const res = await uploadSlot(node.url, requestId, 2, slot(2));
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error.code).toBe("NOT_DESIGNATED");
    expect(error.message).toContain(devnet.account("provider2").address);
    expect(node.sales.heldSlots.get(slotIdOf(requestId, 2))).toBeUndefined();
  });

  it("refuses bodies over and under the slot size, declared or streamed, and keeps nothing", async () => {
    const over = new Uint8Array(slot(0).length + 1);
    over.set(slot(0));
    const declaredOver = await uploadSlot(node.url, requestId, 0, over);
    expect(declaredOver.status).toBe(413);
    const streamedOver = await uploadSlot(node.url, requestId, 0, streamOf(over));
    expect(streamedOver.status).toBe(413);
    const short = slot(0).subarray(0, BLOCK_SIZE + 100);
    const declaredShort = await uploadSlot(node.url, requestId, 0, short);
    expect(declaredShort.status).toBe(400);
    expect((await errorOf(declaredShort)).field).toBe("Content-Length");
    const streamedShort = await uploadSlot(node.url, requestId, 0, streamOf(short));
    expect(streamedShort.status).toBe(400);
    expect((await errorOf(streamedShort)).field).toBe("body");
    // The first block of slot 0 was stored while streaming, then removed with the refusal.
    const first = CID.createV1(raw.code, await sha256.digest(slot(0).subarray(0, BLOCK_SIZE)));
    expect(await node.blockstore.has(first)).toBe(false);
    expect(node.sales.heldSlots.get(slotIdOf(requestId, 0))).toBeUndefined();
  });

  it("answers 422 for data whose root is not the slot's, removing its blocks but not shared ones", async () => {
    // One block the node already keeps for a dataset, one new block.
    const shared = new Uint8Array(randomBytes(BLOCK_SIZE));
    const sharedCid = CID.createV1(raw.code, await sha256.digest(shared));
    await node.blockstore.put(sharedCid, shared);
    node.metadata.datasets.put({ cid: sharedCid, rootCid: sharedCid, size: BLOCK_SIZE }, [sharedCid]);
    const fresh = new Uint8Array(randomBytes(BLOCK_SIZE));
    const freshCid = CID.createV1(raw.code, await sha256.digest(fresh));
    const wrong = new Uint8Array(2 * BLOCK_SIZE);
    wrong.set(shared, 0);
    wrong.set(fresh, BLOCK_SIZE);

    const res = await uploadSlot(node.url, requestId, 0, wrong);
    expect(res.status).toBe(422);
    expect((await errorOf(res)).code).toBe("ROOT_MISMATCH");
    expect(await node.blockstore.has(freshCid)).toBe(false);
    expect(await node.blockstore.has(sharedCid)).toBe(true);
    expect(node.sales.heldSlots.get(slotIdOf(requestId, 0))).toBeUndefined();
    // Another slot's data is wrong for this one too.
    const other = await uploadSlot(node.url, requestId, 0, slot(1));
    expect(other.status).toBe(422);
  });

  it("takes one of two simultaneous uploads of an open slot and answers the other 409", async () => {
    const results = await Promise.all([
      uploadSlot(node.url, requestId, 1, streamOf(slot(1))),
      uploadSlot(node.url, requestId, 1, streamOf(slot(1))),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409) as Response;
    expect(["SLOT_BUSY", "ALREADY_HELD", "SLOT_NOT_FREE"]).toContain((await errorOf(loser)).code);
    const held = node.sales.heldSlots.mustGet(slotIdOf(requestId, 1));
    expect(held.state).toBe("filled");
  });

  it("fills its designated slot: verified, stored, fillSlot mined with a first proof, held 'filled'", async () => {
    const res = await uploadSlot(node.url, requestId, 0, slot(0));
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
    const body = (await res.json()) as { slotId: Hex; transactionHash: Hex; filledPeriod: string };
    const slotId = slotIdOf(requestId, 0);
    expect(body.slotId).toBe(slotId);
    const receipt = await devnet.publicClient.getTransactionReceipt({ hash: body.transactionHash });
    expect(receipt.status).toBe("success");
    const [filled] = parseEventLogs({ abi: storageMarketAbi, logs: receipt.logs, eventName: "SlotFilled" });
    expect(filled?.args.slotId).toBe(slotId);
    expect(filled?.args.provider).toBe(node.address);
    const onChain = await devnet.publicClient.readContract({
      address: devnet.contracts.StorageMarket.address,
      abi: storageMarketAbi,
      functionName: "slotInfo",
      args: [slotId],
    });
    expect(onChain.host).toBe(node.address);
    const held = node.sales.heldSlots.mustGet(slotId);
    expect(held.state).toBe("filled");
    expect(held.filledPeriod).toBe(BigInt(onChain.filledPeriod));
    expect(String(held.filledPeriod)).toBe(body.filledPeriod);
    expect(held.slotRoot).toBe(onChain.root);
    expect(await metricValue(node.metrics, "cairn_sales_slots_filled_total")).toBe(2);
  });

  it("serves a held slot's bytes, and 404 for a slot it does not hold", async () => {
    const res = await fetch(`${node.url}/api/v1/slots/${requestId}/0`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(dataset.slotSize));
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(slot(0)))).toBe(true);
    const missing = await fetch(`${node.url}/api/v1/slots/${requestId}/3`);
    expect(missing.status).toBe(404);
    const filledAgain = await uploadSlot(node.url, requestId, 0, slot(0));
    expect(filledAgain.status).toBe(409);
  });

  it("declines an open slot of a request it already holds a slot of (the policy)", async () => {
    const res = await uploadSlot(node.url, requestId, 3, slot(3));
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error.code).toBe("DECLINED_BY_POLICY");
    expect(error.message).toContain("another slot");
  });
});
