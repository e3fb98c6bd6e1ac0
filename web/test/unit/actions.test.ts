/**
 * The write actions against a real chain with the contracts deployed (global-setup.ts),
 * signed by the dApp's own dev-account connector. Each test uses its own dev account.
 */
import { getBalance } from "@wagmi/core";
import { parseEther, stringToHex } from "viem";
import { describe, expect, inject, it } from "vitest";
import {
  depositChannel,
  listChannels,
  openChannel,
  requestChannelClose,
  withdrawChannelRemainder,
} from "../../src/actions/channels.ts";
import {
  readRequestInfo,
  readRequiredEscrow,
  requestStorage,
  withdrawRequest,
} from "../../src/actions/market.ts";
import {
  addStake,
  pauseProvider,
  readProviderInfo,
  readProviderOffer,
  readRegistryConfig,
  registerProvider,
  requestWithdrawal,
  resumeProvider,
  updateOffer,
  withdrawStake,
} from "../../src/actions/registry.ts";
import type { TransactionStatus } from "../../src/actions/send-contract-transaction.ts";
import type { Offer } from "../../src/lib/offer.ts";
import { encodeDataset } from "../../src/workers/encode-dataset.ts";
import { account } from "../support/accounts.ts";
import { connectedConfig } from "../support/wagmi.ts";

const OFFER: Offer = {
  pricePerBytePerSecond: 2n,
  maxCollateralPerByte: 3n,
  minDuration: 60n,
  maxDuration: 30n * 86_400n,
  capacity: 1n << 30n,
  region: "eu-test",
  infrastructure: "rack",
};
const PEER_ID = stringToHex("peer-id-bytes");
const ADDRS = ["/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/tcp/8080/http"];

describe("provider actions", () => {
  it("registers, stakes, unbonds, updates the offer, pauses and resumes", async () => {
    const config = await connectedConfig(inject("rpcUrl"), account("provider4"));
    const provider = account("provider4").address;
    const { minStake } = await readRegistryConfig(config);
    const phases: TransactionStatus["phase"][] = [];
    const registered = await registerProvider(
      config,
      { offer: OFFER, peerId: PEER_ID, multiaddrs: ADDRS, stake: minStake },
      (s) => phases.push(s.phase),
    );
    expect(registered).toMatchObject({ ok: true });
    expect(phases).toEqual(["simulating", "signing", "pending", "confirmed"]);

    expect(await addStake(config, { amount: parseEther("2") })).toMatchObject({ ok: true });
    let info = await readProviderInfo(config, { provider });
    expect(info).toMatchObject({ registered: true, paused: false, stake: minStake + parseEther("2") });

    expect(await requestWithdrawal(config, { amount: parseEther("1") })).toMatchObject({ ok: true });
    info = await readProviderInfo(config, { provider });
    expect(info.exitAmount).toBe(parseEther("1"));
    // The unbonding period has not passed: the registry's custom error, in words, before signing.
    const early = await withdrawStake(config);
    expect(early).toMatchObject({ ok: false });
    expect(early.ok === false && early.message).toMatch(
      /^The stake withdrawal is still unbonding; it unlocks at /,
    );
    expect(early.ok === false && early.hash).toBeUndefined();

    expect(await updateOffer(config, { offer: { ...OFFER, pricePerBytePerSecond: 5n } })).toMatchObject({
      ok: true,
    });
    expect((await readProviderOffer(config, { provider })).pricePerBytePerSecond).toBe(5n);

    expect(await pauseProvider(config)).toMatchObject({ ok: true });
    expect((await readProviderInfo(config, { provider })).paused).toBe(true);
    const again = await pauseProvider(config);
    expect(again.ok === false && again.message).toBe("This provider is already paused.");
    expect(await resumeProvider(config)).toMatchObject({ ok: true });
  });

  it("says in words why a registration is refused", async () => {
    const config = await connectedConfig(inject("rpcUrl"), account("provider5"));
    const result = await registerProvider(config, {
      offer: OFFER,
      peerId: PEER_ID,
      multiaddrs: ADDRS,
      stake: 1n,
    });
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.message).toMatch(/^The stake 1 wei is below the minimum stake of /);
  });
});

describe("client actions", () => {
  it("requests storage for an encoded file, with the exact escrow, and refuses an early withdrawal", async () => {
    const config = await connectedConfig(inject("rpcUrl"), account("client2"));
    const encoded = await encodeDataset({ file: new Blob([new Uint8Array(5000).fill(1)]), k: 1, m: 1 });
    const duration = 3_600n;
    const escrow = await readRequiredEscrow(config, {
      slots: 2,
      slotSize: BigInt(encoded.slotSize),
      pricePerBytePerSecond: 1n,
      duration,
    });
    const block = await (await import("@wagmi/core")).getBlock(config);
    const request = {
      cid: `0x${Buffer.from(encoded.manifestCid).toString("hex")}` as const,
      slotRoots: encoded.slotRoots,
      providers: [],
      slotSize: BigInt(encoded.slotSize),
      dataSlots: 1,
      duration,
      pricePerBytePerSecond: 1n,
      collateralPerByte: 1n,
      proofProbability: 3,
      expiry: block.timestamp + 600n,
    };
    const wrong = await requestStorage(config, { ...request, escrow: escrow - 1n });
    expect(wrong.ok === false && wrong.message).toMatch(/^The escrow must be exactly /);

    const result = await requestStorage(config, { ...request, escrow });
    expect(result.ok).toBe(true);
    if (result.requestId === undefined) throw new Error("no request id");
    const info = await readRequestInfo(config, { requestId: result.requestId });
    expect(info).toMatchObject({ client: account("client2").address, state: 1, slots: 2, dataSlots: 1 });

    const early = await withdrawRequest(config, { requestId: result.requestId });
    expect(early.ok === false && early.message).toBe("The request has not ended yet (it is new).");
  });

  it("opens a channel, tops it up, asks to close it, and cannot withdraw before the delay", async () => {
    const config = await connectedConfig(inject("rpcUrl"), account("client1"));
    const sender = account("client1").address;
    const before = await getBalance(config, { address: sender });
    expect(
      await openChannel(config, {
        recipient: account("provider6").address,
        closeDelay: 3600,
        deposit: parseEther("1"),
      }),
    ).toMatchObject({ ok: true });
    const [channel] = (await listChannels(config, { sender })).slice(-1);
    if (channel === undefined) throw new Error("the ChannelOpened log was not found");
    expect(channel).toMatchObject({ deposited: parseEther("1"), state: 1 });

    expect(
      await depositChannel(config, { channelId: channel.channelId, amount: parseEther("0.5") }),
    ).toMatchObject({
      ok: true,
    });
    const zero = await depositChannel(config, { channelId: channel.channelId, amount: 0n });
    expect(zero.ok === false && zero.message).toBe("The deposit must be above zero.");

    expect(await requestChannelClose(config, { channelId: channel.channelId })).toMatchObject({ ok: true });
    const early = await withdrawChannelRemainder(config, { channelId: channel.channelId });
    expect(early.ok === false && early.message).toMatch(/^The close delay is not over; wait until /);
    const [closing] = (await listChannels(config, { sender })).filter(
      (c) => c.channelId === channel.channelId,
    );
    expect(closing).toMatchObject({ deposited: parseEther("1.5"), state: 2 });
    expect((await getBalance(config, { address: sender })).value).toBeLessThan(
      before.value - parseEther("1.5") + 1n,
    );
  });
});
