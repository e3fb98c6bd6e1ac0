import { type Hex, isAddressEqual, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slotIdOf } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { tempFolder } from "../chain/helpers.ts";
import {
  blockTicker,
  type ClientDataset,
  clientDataset,
  POLICY,
  registerProvider,
  requestStorage,
  type SalesNode,
  salesNode,
  uploadSlot,
} from "./helpers.ts";
import { until } from "../helpers/until.ts";

/**
 * Four providers with agents: provider1 and provider2 are designated slots 0 and 1 and
 * take nothing else; provider3 takes open slots; provider4 only repairs. The client
 * uploads slots 0 and 1; provider3 rebuilds the open parity slot 2 from them over HTTP;
 * provider1 leaves slot 0, and provider4 repairs it from slots 1 and 2; at the end every
 * host collects on its own.
 */
describe("the sales agent on a real chain", () => {
  let devnet: Devnet;
  let folder: ReturnType<typeof tempFolder>;
  let nodes: SalesNode[];
  let ticker: { stop(): Promise<void> };
  let dataset: ClientDataset;
  let requestId: Hex;
  let endsAt: bigint;

  const market = () => devnet.contracts.StorageMarket.address;
  const node = (i: number) => nodes[i - 1] as SalesNode;

  beforeAll(async () => {
    devnet = await startDevnet();
    folder = tempFolder("cairn-sales-agent-");
    const designatedOnly = { ...POLICY, takeOpenSlots: false, takeRepairs: false };
    nodes = [
      await salesNode(devnet, "provider1", folder.path, { policy: designatedOnly, agent: true }),
      await salesNode(devnet, "provider2", folder.path, { policy: designatedOnly, agent: true }),
      await salesNode(devnet, "provider3", folder.path, {
        policy: { ...POLICY, takeRepairs: false },
        agent: true,
      }),
      await salesNode(devnet, "provider4", folder.path, {
        policy: { ...POLICY, takeOpenSlots: false },
        agent: true,
      }),
    ];
    for (const n of nodes) await registerProvider(devnet, n.role, n.url);
    await devnet.increaseTime(61);
    // k = 2, m = 1 over 600 KiB: two stripes, three 512 KiB slots; slot 2 is parity.
    dataset = await clientDataset(600 * 1024, 2, 1, node(1).sales.timing.cellSize);
    ({ requestId, endsAt } = await requestStorage(devnet, dataset, [
      node(1).address,
      node(2).address,
      undefined,
    ]));
    ticker = blockTicker(devnet);
  }, 60_000);

  afterAll(async () => {
    // Nodes first, while blocks still come: work in flight that waits for a block can end.
    await Promise.all((nodes ?? []).map((n) => n.stop()));
    await ticker?.stop();
    await devnet?.stop();
    folder?.remove();
  }, 60_000);

  const slotInfo = (index: number) =>
    devnet.publicClient.readContract({
      address: market(),
      abi: storageMarketAbi,
      functionName: "slotInfo",
      args: [slotIdOf(requestId, index)],
    });

  it("rebuilds an open parity slot from the designated slots the client uploaded", async () => {
    for (const i of [0, 1]) {
      const res = await uploadSlot(node(i + 1).url, requestId, i, dataset.slots[i] as Uint8Array);
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
    }
    const slot2 = slotIdOf(requestId, 2);
    await until(
      "provider3 to fill slot 2",
      () => node(3).sales.heldSlots.get(slot2)?.state === "filled",
      30_000,
    );
    expect(isAddressEqual((await slotInfo(2)).host, node(3).address)).toBe(true);
    const info = await devnet.publicClient.readContract({
      address: market(),
      abi: storageMarketAbi,
      functionName: "requestInfo",
      args: [requestId],
    });
    expect(info.state).toBe(2); // Started
    // Its bytes are the client's parity slot, byte for byte.
    const served = await fetch(`${node(3).url}/api/v1/slots/${requestId}/2`);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(dataset.slots[2] as Uint8Array))).toBe(
      true,
    );
    // The others said why they did not take it.
    expect(node(3).agent?.candidate(slotIdOf(requestId, 0))?.state).toBe("declined");
    await until(
      "provider4's answer about slot 2",
      () => node(4).agent?.candidate(slot2)?.state === "declined",
    );
    expect(node(4).agent?.candidate(slot2)?.detail).toMatch(/open slots|is Filled/);
  }, 45_000);

  it("repairs a freed data slot from the others, as the one provider that repairs", async () => {
    const slot0 = slotIdOf(requestId, 0);
    await node(1).sender.send(
      {
        address: market(),
        abi: storageMarketAbi as never,
        functionName: "freeSlot",
        args: [slot0],
      },
      { label: "freeSlot" },
    );
    expect((await slotInfo(0)).state).toBe(2); // Repair
    await until(
      "provider4 to repair slot 0",
      () => node(4).sales.heldSlots.get(slot0)?.state === "filled",
      30_000,
    );
    const onChain = await slotInfo(0);
    expect(isAddressEqual(onChain.host, node(4).address)).toBe(true);
    expect(onChain.repaired).toBe(true);
    const served = await fetch(`${node(4).url}/api/v1/slots/${requestId}/0`);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(dataset.slots[0] as Uint8Array))).toBe(
      true,
    );
    // provider2 and provider3 hold siblings or do not repair; provider1 does not repair its own.
    expect(node(2).sales.heldSlots.get(slot0)).toBeUndefined();
    expect(node(3).sales.heldSlots.get(slot0)).toBeUndefined();
    expect(node(1).agent?.candidate(slot0)?.state).not.toBe("taken");
  }, 45_000);

  it("collects every held slot once the request has finished", async () => {
    const now = (await devnet.publicClient.getBlock()).timestamp;
    await devnet.increaseTime(Number(endsAt - now) + 1);
    const hosts: Array<[number, number]> = [
      [4, 0],
      [2, 1],
      [3, 2],
    ];
    for (const [provider, index] of hosts) {
      const slotId = slotIdOf(requestId, index);
      await until(
        `provider${provider} to collect slot ${index}`,
        () => node(provider).agent?.collection(slotId) !== undefined,
      );
      const collected = node(provider).agent?.collection(slotId);
      expect(BigInt(collected?.payment ?? 0)).toBeGreaterThan(0n);
      const receipt = await devnet.publicClient.getTransactionReceipt({ hash: collected?.txHash as Hex });
      const [event] = parseEventLogs({
        abi: storageMarketAbi,
        logs: receipt.logs,
        eventName: "PaymentCollected",
      });
      expect(event?.args.slotId).toBe(slotId);
      expect(event?.args.payment).toBe(BigInt(collected?.payment ?? -1));
      expect((await slotInfo(index)).state).toBe(3); // Collected
    }
    // provider1 left its slot: it has nothing to collect.
    expect(node(1).agent?.collection(slotIdOf(requestId, 0))).toBeUndefined();
  }, 45_000);
});
