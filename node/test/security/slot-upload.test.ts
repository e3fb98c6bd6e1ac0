/**
 * `POST /api/v1/slots/{requestId}/{index}` takes no token: the chain decides. On a real
 * chain (anvil) and the node's real API server, an upload to a slot the node may not take
 * is refused: designated to another provider, open but declined by the node's policy, a
 * slot or request that does not exist, a request no longer open. A slot the node may take
 * refuses a body over the slot size. Each refusal leaves nothing behind: no block of the
 * body in the store, no held slot, and the slot still free on-chain.
 */
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { type Hex, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServer } from "../../src/api/index.ts";
import { BLOCK_SIZE, slotIdOf } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { captureLogger, tempFolder } from "../chain/helpers.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import {
  type ClientDataset,
  clientDataset,
  errorOf,
  POLICY,
  registerProvider,
  requestStorage,
  type SalesNode,
  salesNode,
  streamOf,
  uploadSlot,
} from "../sales/helpers.ts";

describe("slot uploads to slots the node may not take", () => {
  let devnet: Devnet;
  let folder: ReturnType<typeof tempFolder>;
  let node: SalesNode;
  let api: ApiServer;
  let dataset: ClientDataset;
  let requestId: Hex;
  let shortRequestId: Hex;

  beforeAll(async () => {
    devnet = await startDevnet();
    folder = tempFolder("cairn-security-slots-");
    // A provider that takes only slots designated to it.
    node = await salesNode(devnet, "provider1", folder.path, { policy: { ...POLICY, takeOpenSlots: false } });
    // The node's own API server, as the daemon builds it, over the node's sales.
    api = new ApiServer(
      {
        blockstore: node.blockstore,
        metadata: node.metadata,
        sales: node.sales,
        logger: captureLogger("api").logger,
      },
      { port: 0, token: "security-test-token-0123456789" },
    );
    await api.start();
    await registerProvider(devnet, "provider1", api.url);
    await registerProvider(devnet, "provider2", "http://127.0.0.1:9");
    await devnet.increaseTime(61);
    // k = 2, m = 2: four slots of two 256 KiB blocks.
    dataset = await clientDataset(600 * 1024, 2, 2, node.sales.timing.cellSize);
    const provider2 = devnet.account("provider2").address;
    // Slot 0 designated to provider2, 1 and 3 open, 2 designated to this node.
    ({ requestId } = await requestStorage(devnet, dataset, [provider2, undefined, node.address, undefined]));
    // A request whose fills close a minute from now (expiry is half the duration).
    ({ requestId: shortRequestId } = await requestStorage(
      devnet,
      dataset,
      [node.address, undefined, undefined, undefined],
      { duration: 120n, client: "client2" },
    ));
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await node?.stop();
    await devnet?.stop();
    folder?.remove();
  });

  const slot = (i: number) => dataset.slots[i] as Uint8Array;
  const post = (id: Hex | string, index: number | string, body: Uint8Array | ReadableStream<Uint8Array>) =>
    uploadSlot(api.url, id as Hex, index, body);

  /** Nothing of slot `i`'s body is stored, the node holds no such slot, and it is free on-chain. */
  async function expectNothingKept(id: Hex, i: number): Promise<void> {
    for (let b = 0; b < slot(i).length / BLOCK_SIZE; b++) {
      const bytes = slot(i).subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE);
      const cid = CID.createV1(raw.code, await sha256.digest(bytes));
      expect(await node.blockstore.has(cid), `block ${b} of slot ${i}`).toBe(false);
    }
    expect(node.sales.heldSlots.get(slotIdOf(id, i))).toBeUndefined();
    const onChain = await devnet.publicClient.readContract({
      address: devnet.contracts.StorageMarket.address,
      abi: storageMarketAbi,
      functionName: "slotInfo",
      args: [slotIdOf(id, i)],
    });
    expect(onChain.host).toBe(zeroAddress);
  }

  it("refuses a slot designated to another provider with 403 NOT_DESIGNATED", async () => {
    for (const body of [slot(0), streamOf(slot(0))]) {
      const res = await post(requestId, 0, body);
      expect(res.status).toBe(403);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code: "NOT_DESIGNATED", field: "index" });
      expect(error.message).toContain(devnet.account("provider2").address);
    }
    await expectNothingKept(requestId, 0);
  });

  it("refuses an open slot its policy declines with 403 DECLINED_BY_POLICY", async () => {
    const res = await post(requestId, 1, streamOf(slot(1)));
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: "DECLINED_BY_POLICY", field: "index" });
    await expectNothingKept(requestId, 1);
  });

  it.each([
    ["a slot past the request's last", () => requestId, 4, 404, "UNKNOWN_SLOT", "index"],
    ["an unknown request", () => `0x${"ab".repeat(30)}0000`, 0, 404, "UNKNOWN_REQUEST", "requestId"],
    [
      "a slot id in place of a request id",
      () => slotIdOf(requestId, 2),
      0,
      400,
      "INVALID_PARAMETER",
      "requestId",
    ],
    ["an index out of range", () => requestId, 65_536, 400, "INVALID_PARAMETER", "index"],
    ["a negative index", () => requestId, -1, 400, "INVALID_PARAMETER", "index"],
  ])("refuses %s", async (_what, id, index, status, code, field) => {
    const res = await post(id(), index, slot(2));
    expect(res.status).toBe(status);
    expect(await errorOf(res)).toMatchObject({ code, field });
    await expectNothingKept(requestId, 2);
  });

  it("refuses a body over the slot size for a slot it may take, declared or streamed, with 413", async () => {
    const over = new Uint8Array(slot(2).length + BLOCK_SIZE);
    over.set(slot(2));
    const declared = await post(requestId, 2, over);
    expect(declared.status).toBe(413);
    expect(await errorOf(declared)).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "body" });
    const streamed = await post(requestId, 2, streamOf(over));
    expect(streamed.status).toBe(413);
    expect(await errorOf(streamed)).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    await expectNothingKept(requestId, 2);
  });

  it("refuses a designated slot of a request whose fills have closed with 409 REQUEST_NOT_OPEN", async () => {
    await devnet.increaseTime(120);
    const res = await post(shortRequestId, 0, streamOf(slot(0)));
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({ code: "REQUEST_NOT_OPEN", field: "requestId" });
    await expectNothingKept(shortRequestId, 0);
  });
});
