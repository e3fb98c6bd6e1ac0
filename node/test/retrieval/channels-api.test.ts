/**
 * `/api/v1/channels` against a real PaymentChannels on anvil: opening, topping up and
 * asking to close the client's channels, and every way a request can be refused.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { errorOf } from "../api/helpers.ts";
import { channelReader, devnetPerFile } from "../payments/fixture.ts";
import { auth, startClient, type TestNode } from "./fixture.ts";

let client: TestNode;
const world = devnetPerFile("cairn-channels-", () => client?.stop());
beforeEach(async () => {
  client = await startClient(world.devnet, world.dir, "client1");
});

function post(path: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${client.api.url}/api/v1/channels${path}`, {
    method: "POST",
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

interface Written {
  channel: { channelId: `0x${string}`; recipient: string; deposit: string; paid: string; state: string };
  transactionHash: string;
}

describe("/api/v1/channels", { timeout: 60_000 }, () => {
  it("opens, tops up and asks to close a channel, each visible on-chain and in the list", async () => {
    const recipient = world.devnet.account("provider4").address;
    const opened = await post("", { recipient, deposit: "5000000" });
    expect(opened.status).toBe(201);
    const { channel } = (await opened.json()) as Written;
    expect(channel).toMatchObject({ recipient, deposit: "5000000", paid: "0", state: "open" });
    const reader = channelReader(world.devnet);
    expect((await reader.readChannel(channel.channelId)).deposited).toBe(5_000_000n);

    const topped = await post(`/${channel.channelId}/deposit`, { amount: "2500000" });
    expect(topped.status).toBe(200);
    expect(((await topped.json()) as Written).channel.deposit).toBe("7500000");
    expect((await reader.readChannel(channel.channelId)).deposited).toBe(7_500_000n);

    const listed = (await (await fetch(`${client.api.url}/api/v1/channels`)).json()) as {
      address: string;
      sent: Written["channel"][];
      received: unknown[];
    };
    expect(listed.address).toBe(world.devnet.account("client1").address);
    expect(listed.sent).toEqual([{ ...channel, deposit: "7500000" }]);
    expect(listed.received).toEqual([]);

    const closed = await post(`/${channel.channelId}/close`, undefined);
    expect(closed.status).toBe(200);
    expect(((await closed.json()) as Written).channel.state).toBe("closing");
    expect((await reader.readChannel(channel.channelId)).state).toBe("closing");

    // A second close request is refused by the contract, before anything is sent.
    const again = await post(`/${channel.channelId}/close`, undefined);
    expect(again.status).toBe(422);
    const error = await errorOf(again);
    expect(error.code).toBe("CONTRACT_REVERT");
    expect(error.message).toContain("PaymentChannelsCloseAlreadyRequested");
  });

  it("refuses bad input, a missing token, unknown channels and contract reverts", async () => {
    const recipient = world.devnet.account("provider5").address;
    const noToken = await post("", { recipient, deposit: "1" }, {});
    expect(noToken.status).toBe(401);

    for (const [body, field] of [
      [{ recipient: "0x1234", deposit: "1" }, "recipient"],
      [{ recipient, deposit: "-5" }, "deposit"],
      [{ recipient, deposit: "1.5" }, "deposit"],
      [{ recipient }, "deposit"],
    ] as const) {
      const response = await post("", body);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).field).toContain(field);
    }

    const unknown = `0x${"ab".repeat(32)}`;
    const missing = await post(`/${unknown}/deposit`, { amount: "10" });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).message).toContain(unknown);
    expect((await post(`/${unknown}/close`, undefined)).status).toBe(404);
    const badId = await post("/0x12/deposit", { amount: "10" });
    expect(badId.status).toBe(400);
    expect((await errorOf(badId)).field).toContain("id");

    const opened = (await (await post("", { recipient, deposit: "1000" })).json()) as Written;
    // PaymentChannels refuses a zero deposit.
    const zero = await post(`/${opened.channel.channelId}/deposit`, { amount: "0" });
    expect(zero.status).toBe(422);
    const error = await errorOf(zero);
    expect(error.code).toBe("CONTRACT_REVERT");
    expect(error.field).toBe("PaymentChannelsZeroDeposit");
    expect((await channelReader(world.devnet).readChannel(opened.channel.channelId)).deposited).toBe(1000n);

    // Over the budget (1 ETH in the fixture): refused before any transaction.
    const tooMuch = await post("", { recipient, deposit: (10n ** 18n).toString() });
    expect(tooMuch.status).toBe(409);
    expect((await errorOf(tooMuch)).code).toBe("CHANNEL_BUDGET_EXCEEDED");
  });
});
