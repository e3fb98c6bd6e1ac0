import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startTestNode, type TestNode } from "./helpers.ts";

describe("GET /api/v1/peers", () => {
  let first: TestNode;
  let second: TestNode;
  let offline: TestNode;
  beforeAll(async () => {
    first = await startTestNode();
    const [address] = first.node.network?.getMultiaddrs() ?? [];
    // The second node joins through the first, as a node configured with a bootstrap peer does.
    second = await startTestNode({ "p2p-bootstrap": String(address) });
    offline = await startTestNode({ "p2p-enabled": "false" });
  });
  afterAll(async () => {
    await Promise.all([first?.cleanup(), second?.cleanup(), offline?.cleanup()]);
  });

  it("lists the peers a node is connected to, on both sides", async () => {
    const firstId = first.node.network?.peerId.toString();
    const secondId = second.node.network?.peerId.toString();
    const deadline = Date.now() + 10_000;
    let seen: Array<{ peerId: string; direction: string; address: string }> = [];
    while (Date.now() < deadline) {
      const res = await fetch(`${first.apiUrl}/api/v1/peers`);
      expect(res.status).toBe(200);
      seen = ((await res.json()) as { peers: typeof seen }).peers;
      if (seen.some((peer) => peer.peerId === secondId)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen).toContainEqual(expect.objectContaining({ peerId: secondId, direction: "inbound" }));
    const back = (await (await fetch(`${second.apiUrl}/api/v1/peers`)).json()) as { peers: typeof seen };
    expect(back.peers).toContainEqual(expect.objectContaining({ peerId: firstId, direction: "outbound" }));
  });

  it("answers 404 with a reason when p2p is off, and info has no peer id", async () => {
    const res = await fetch(`${offline.apiUrl}/api/v1/peers`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).message).toMatch(/p2p\.enabled/);
    const info = (await (await fetch(`${offline.apiUrl}/api/v1/info`)).json()) as Record<string, unknown>;
    expect(info).not.toHaveProperty("peerId");
  });
});
