import { CID } from "multiformats/cid";
import { type Hex, isAddressEqual } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slotIdOf } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { metricValue, tempFolder } from "../chain/helpers.ts";
import {
  blockTicker,
  type ClientDataset,
  clientDataset,
  registerProvider,
  requestStorage,
  type SalesNode,
  salesNode,
  uploadSlot,
} from "./helpers.ts";
import { until } from "../helpers/until.ts";

describe("a slot's fill resumes after a crash", () => {
  let devnet: Devnet;
  let folder: ReturnType<typeof tempFolder>;
  let node: SalesNode;
  let dataset: ClientDataset;

  beforeAll(async () => {
    devnet = await startDevnet();
    folder = tempFolder("cairn-sales-resume-");
    node = await salesNode(devnet, "provider1", folder.path);
    await registerProvider(devnet, "provider1", node.url);
    await devnet.increaseTime(61);
    dataset = await clientDataset(300 * 1024, 2, 1, node.sales.timing.cellSize);
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await devnet?.stop();
    folder?.remove();
  });

  const slotInfo = (slotId: Hex) =>
    devnet.publicClient.readContract({
      address: devnet.contracts.StorageMarket.address,
      abi: storageMarketAbi,
      functionName: "slotInfo",
      args: [slotId],
    });

  it("between storing the data and sending the fill: the restarted node fills the slot", async () => {
    const { requestId } = await requestStorage(devnet, dataset, [node.address, undefined, undefined]);
    const slotId = slotIdOf(requestId, 0);
    // The head at a period's last block: a fill sent now would land in the next period, so
    // the node stores the data, records the slot, and waits for a block.
    const periodBlocks = node.sales.timing.periodBlocks;
    const head = await devnet.publicClient.getBlockNumber();
    await devnet.mine(Number((periodBlocks - 1n - (head % periodBlocks) + periodBlocks) % periodBlocks) || 0);
    const client = new AbortController();
    const upload = uploadSlot(node.url, requestId, 0, dataset.slots[0] as Uint8Array, client.signal);
    void upload.catch(() => {});
    await until("the slot recorded as filling", () => node.sales.heldSlots.get(slotId)?.state === "filling");
    // The crash: the client goes away and the node stops, its process state gone; only the
    // disk (SQLite, block files) is left.
    client.abort();
    const nonce = await devnet.publicClient.getTransactionCount({ address: node.address });
    await node.stop();
    expect(await devnet.publicClient.getTransactionCount({ address: node.address })).toBe(nonce);
    expect(Number((await slotInfo(slotId)).state)).toBe(0); // still Free

    node = await salesNode(devnet, "provider1", folder.path);
    expect(node.sales.heldSlots.get(slotId)?.state).toBe("filling");
    const ticker = blockTicker(devnet);
    try {
      await node.sales.resumed();
      await until("the resumed fill", () => node.sales.heldSlots.get(slotId)?.state === "filled");
    } finally {
      await ticker.stop();
    }
    const onChain = await slotInfo(slotId);
    expect(isAddressEqual(onChain.host, node.address)).toBe(true);
    // Sent by the restarted node's resume, not by the stopped one.
    expect(await metricValue(node.metrics, "cairn_sales_slots_filled_total", { source: "resumed" })).toBe(1);
    expect(node.sales.heldSlots.mustGet(slotId).filledPeriod).toBe(BigInt(onChain.filledPeriod));
    const served = await fetch(`${node.url}/api/v1/slots/${requestId}/0`);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(dataset.slots[0] as Uint8Array))).toBe(
      true,
    );
  }, 40_000);

  it("after the fill was mined but before it was recorded: the restart records it, sending nothing", async () => {
    const { requestId } = await requestStorage(devnet, dataset, [node.address, undefined, undefined]);
    const slotId = slotIdOf(requestId, 0);
    const ticker = blockTicker(devnet);
    try {
      const res = await uploadSlot(node.url, requestId, 0, dataset.slots[0] as Uint8Array);
      expect(res.status).toBe(200);
    } finally {
      await ticker.stop();
    }
    // The row as it was between the mined fill and its record, then the crash.
    node.metadata.database
      .prepare("UPDATE held_slots SET state = 'filling', filled_period = NULL WHERE slot_id = ?")
      .run(slotId);
    await node.stop();
    const nonce = await devnet.publicClient.getTransactionCount({ address: node.address });

    node = await salesNode(devnet, "provider1", folder.path);
    await node.sales.resumed();
    const held = node.sales.heldSlots.mustGet(slotId);
    expect(held.state).toBe("filled");
    expect(held.filledPeriod).toBe(BigInt((await slotInfo(slotId)).filledPeriod));
    expect(await devnet.publicClient.getTransactionCount({ address: node.address })).toBe(nonce);
  }, 40_000);

  it("abandons a recorded slot the market no longer takes from it, removing its blocks", async () => {
    // Designated to provider1, then filled by nobody before expiry: the request is cancelled.
    // Its own data: the earlier slots' blocks are held and must stay.
    const own = await clientDataset(300 * 1024, 2, 1, node.sales.timing.cellSize);
    const { requestId } = await requestStorage(devnet, own, [node.address, undefined, undefined], {
      duration: 600n,
    });
    const slotId = slotIdOf(requestId, 0);
    const periodBlocks = node.sales.timing.periodBlocks;
    const head = await devnet.publicClient.getBlockNumber();
    await devnet.mine(Number((periodBlocks - 1n - (head % periodBlocks) + periodBlocks) % periodBlocks) || 0);
    const client = new AbortController();
    const upload = uploadSlot(node.url, requestId, 0, own.slots[0] as Uint8Array, client.signal);
    void upload.catch(() => {});
    await until("the slot recorded as filling", () => node.sales.heldSlots.get(slotId)?.state === "filling");
    const cids = node.sales.heldSlots.blockCids(slotId);
    client.abort();
    await node.stop();
    await devnet.increaseTime(400); // past the expiry (half the duration)

    node = await salesNode(devnet, "provider1", folder.path);
    await node.sales.resumed();
    expect(node.sales.heldSlots.get(slotId)).toBeUndefined();
    expect(cids.length).toBe(1);
    for (const cid of cids) {
      expect(await node.blockstore.has(CID.parse(cid))).toBe(false);
    }
    // The slots still held keep theirs.
    for (const held of node.sales.heldSlots.inState("filled"))
      for (const cid of node.sales.heldSlots.blockCids(held.slotId))
        expect(await node.blockstore.has(CID.parse(cid))).toBe(true);
  }, 40_000);
});
