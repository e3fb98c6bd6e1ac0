/**
 * `cairn download` of data held by another node (progress per provider on stderr, payment
 * through a channel) and `cairn channels`, run in-process against real nodes on loopback
 * and a devnet.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bytesOf } from "../api/helpers.ts";
import { waitForRoutingTables } from "../discovery/helpers.ts";
import { runCairn } from "../helpers/cli.ts";
import { channelReader, devnetPerFile } from "../payments/fixture.ts";
import { auth, connect, startClient, startProvider, type TestNode, TOKEN } from "./fixture.ts";

const nodes: TestNode[] = [];
const world = devnetPerFile("cairn-retrieval-cli-", () =>
  Promise.allSettled(nodes.splice(0).map((n) => n.stop())),
);

function cairn(node: TestNode, args: string[]) {
  return runCairn(args, { apiUrl: node.api.url, token: TOKEN, folder: world.dir });
}

describe("cairn download and cairn channels", { timeout: 90_000 }, () => {
  it("downloads data held by another node, showing what each provider sent and was paid", async () => {
    const provider = await startProvider(world.devnet, world.dir, "provider6", 2_000n);
    nodes.push(provider);
    const client = await startClient(world.devnet, world.dir, "client2");
    nodes.push(client);
    await connect(client.net, provider.net);
    await waitForRoutingTables([client.net, provider.net], 1, 15_000);
    const file = bytesOf(3 * 256 * 1024 + 99, 5);
    const uploaded = await fetch(`${provider.api.url}/api/v1/data?k=2&m=1`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: file,
    });
    const { cid } = (await uploaded.json()) as { cid: string };
    await provider.discovery.provide(cid);

    const run = await cairn(client, ["download", cid, "-o", "out.bin"]);
    expect(run.stderr).not.toContain("cairn download:");
    expect(run.code).toBe(0);
    expect(Buffer.compare(await readFile(join(world.dir, "out.bin")), file)).toBe(0);
    const peer = provider.net.peerId.toString();
    // Two data blocks per stripe, two stripes, and the manifest: 5 blocks at 2000 wei.
    expect(run.stderr).toContain("fetched 5 blocks from 1 provider(s):");
    expect(run.stderr).toContain(`…${peer.slice(-8)} 5 blocks`);
    expect(run.stderr).toContain("paid 10000 wei");

    // The channel it paid through, as `cairn channels list` and the contract see it.
    const list = await cairn(client, ["channels", "list", "--json"]);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as {
      sent: Array<{ channelId: `0x${string}`; recipient: string }>;
    };
    expect(listed.sent).toHaveLength(1);
    const channel = listed.sent[0] as { channelId: `0x${string}`; recipient: string };
    expect(channel.recipient).toBe(world.devnet.account("provider6").address);
    expect((await channelReader(world.devnet).readChannel(channel.channelId)).state).toBe("open");

    // The same download again reads the node's own copy: no network step is shown.
    const again = await cairn(client, ["download", cid, "-o", "again.bin"]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("fetched");
    expect(Buffer.compare(await readFile(join(world.dir, "again.bin")), file)).toBe(0);
  });

  it("opens, tops up and closes a channel, and refuses bad arguments", async () => {
    const client = await startClient(world.devnet, world.dir, "client1");
    nodes.push(client);
    const recipient = world.devnet.account("provider3").address;
    const opened = await cairn(client, ["channels", "open", recipient, "0.001eth", "--json"]);
    expect(opened.code).toBe(0);
    const { channel } = JSON.parse(opened.stdout) as {
      channel: { channelId: `0x${string}`; deposit: string };
    };
    expect(channel.deposit).toBe("1000000000000000");

    const deposited = await cairn(client, ["channels", "deposit", channel.channelId, "500gwei"]);
    expect(deposited.code).toBe(0);
    expect(deposited.stdout).toContain("deposit 0.0010005 ETH");
    const closed = await cairn(client, ["channels", "close", channel.channelId]);
    expect(closed.code).toBe(0);
    expect(closed.stdout).toContain("closing");
    expect((await channelReader(world.devnet).readChannel(channel.channelId)).state).toBe("closing");

    const listed = await cairn(client, ["channels", "list"]);
    expect(listed.stdout).toContain(`${channel.channelId}  to ${recipient}  closing`);

    expect((await cairn(client, ["channels", "deposit", "0x12", "5"])).code).toBe(2);
    expect((await cairn(client, ["channels", "open", recipient, "1.5 apples"])).code).toBe(2);
    const unknown = await cairn(client, ["channels", "close", `0x${"cd".repeat(32)}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no channel");

    // A CID nobody has: the download fails naming it, and writes nothing.
    const nobody = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    const failed = await cairn(client, ["download", nobody, "-o", "none.bin"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(nobody);
    await expect(readFile(join(world.dir, "none.bin"))).rejects.toThrow();
  });
});
