/**
 * Whom the client pays (src/payments/recipient-check.ts): the wallet a provider's terms name
 * must be one the registry binds to the provider's peer id. The directory is the real fold,
 * fed ABI-encoded registry logs as the contract emits them.
 */
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { type Address, bytesToHex, getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { decodeRegistryLogs, ProviderDirectory } from "../../src/discovery/index.ts";
import { RecipientMismatchError, registryRecipientCheck } from "../../src/payments/index.ts";
import { offer, rawRegistryLog } from "../discovery/registry-logs.ts";

const REGISTRY = getAddress("0xc7499ab425b340eda411e43cdf71fce613611b18");
const HONEST = getAddress("0x1000000000000000000000000000000000000001");
const SQUATTER = getAddress("0x2000000000000000000000000000000000000002");
const STRANGER = getAddress("0x3000000000000000000000000000000000000003");

async function newPeer() {
  const id = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
  return { text: id.toString(), bytes: bytesToHex(id.toMultihash().bytes) };
}

function directoryOf(...claims: Array<{ wallet: Address; peerIdBytes: `0x${string}` }>): ProviderDirectory {
  const directory = new ProviderDirectory();
  const logs = claims.map(({ wallet, peerIdBytes }, i) =>
    rawRegistryLog(
      REGISTRY,
      "ProviderRegistered",
      {
        provider: wallet,
        stake: 10n ** 18n,
        offer: offer(),
        peerId: peerIdBytes,
        multiaddrs: [],
        activeFrom: 0,
      },
      BigInt(10 + i),
      0,
    ),
  );
  for (const log of decodeRegistryLogs(logs)) directory.apply(log);
  return directory;
}

describe("registryRecipientCheck", () => {
  it("accepts the wallet that claims the peer id, even when another wallet claims it too", async () => {
    const peer = await newPeer();
    const check = registryRecipientCheck(
      directoryOf({ wallet: HONEST, peerIdBytes: peer.bytes }, { wallet: SQUATTER, peerIdBytes: peer.bytes }),
    );
    // The peer's own terms settle the contested claim: it names the honest wallet.
    expect(() => check.check(peer.text, HONEST.toLowerCase() as Address)).not.toThrow();
  });

  it("refuses a wallet the registry does not bind to a registered peer id", async () => {
    const peer = await newPeer();
    const check = registryRecipientCheck(directoryOf({ wallet: HONEST, peerIdBytes: peer.bytes }));
    expect(() => check.check(peer.text, STRANGER)).toThrow(RecipientMismatchError);
    expect(() => check.check(peer.text, STRANGER)).toThrow(`gives its peer id to ${HONEST}`);
  });

  it("refuses a registered wallet named by a peer it did not claim", async () => {
    const [claimed, other] = [await newPeer(), await newPeer()];
    const check = registryRecipientCheck(directoryOf({ wallet: HONEST, peerIdBytes: claimed.bytes }));
    expect(() => check.check(other.text, HONEST)).toThrow(
      `a registered provider whose peer id is ${claimed.text}`,
    );
  });

  it("lets a peer that is not a market provider name its own wallet", async () => {
    const [registered, outsider] = [await newPeer(), await newPeer()];
    const check = registryRecipientCheck(directoryOf({ wallet: HONEST, peerIdBytes: registered.bytes }));
    expect(() => check.check(outsider.text, STRANGER)).not.toThrow();
  });
});
