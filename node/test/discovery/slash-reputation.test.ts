/**
 * Slashes seen in registry logs lower the provider's `storing` score exactly once, even
 * though every start replays the registry's logs from its deploy block. The logs are the
 * contract's own ABI encoding, delivered through the injectable log source (a real slash
 * on the devnet needs the whole market flow: a filled slot and missed proofs); the
 * reputation service and its SQLite database are the real ones.
 */
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { bytesToHex, getAddress, type Log } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDirectorySync,
  decodeRegistryLogs,
  ProviderDirectory,
  type RegistryLogSource,
} from "../../src/discovery/index.ts";
import { NEUTRAL_SCORE } from "../../src/reputation/index.ts";
import { type Harness, harness } from "../reputation/helpers.ts";
import { quietLogger } from "./helpers.ts";
import { offer, rawRegistryLog } from "./registry-logs.ts";

const REGISTRY = getAddress("0xc7499ab425b340eda411e43cdf71fce613611b18");
const PROVIDER = getAddress("0x1000000000000000000000000000000000000001");
const MARKET = getAddress("0x3000000000000000000000000000000000000003");
const ETH = 10n ** 18n;

/** Delivers a fixed history as one batch, the way a log source replays from the deploy block. */
function replay(raw: Log[]): RegistryLogSource {
  return {
    async run({ fromBlock, onLogs, signal }) {
      const logs = decodeRegistryLogs(raw).filter((l) => l.blockNumber >= fromBlock);
      const head = logs.at(-1)?.blockNumber ?? fromBlock;
      if (!signal.aborted) await onLogs({ logs, fromBlock, toBlock: head, head });
    },
  };
}

let h: Harness;
afterEach(async () => {
  h.close();
  await h.cleanup();
});

async function syncOnce(raw: Log[], reputation: Harness["reputation"]) {
  const directory = new ProviderDirectory();
  const sync = createDirectorySync(
    { directory, source: replay(raw), reputation, logger: quietLogger },
    { fromBlock: 1n },
  );
  sync.start();
  await sync.waitForBlock(raw.at(-1)?.blockNumber ?? 1n, { signal: AbortSignal.timeout(5_000) });
  await sync.stop();
  return directory;
}

describe("slashes feed reputation", () => {
  it("counts each slash once, across restarts that replay the same logs", async () => {
    h = await harness();
    const peerId = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    const slash = (block: bigint) =>
      rawRegistryLog(
        REGISTRY,
        "ProviderSlashed",
        { provider: PROVIDER, amount: ETH / 10n, fromExit: 0n, recipients: [MARKET], shares: [ETH / 10n] },
        block,
        0,
      );
    const history = [
      rawRegistryLog(
        REGISTRY,
        "ProviderRegistered",
        {
          provider: PROVIDER,
          stake: ETH,
          offer: offer(),
          peerId: bytesToHex(peerId.toMultihash().bytes),
          multiaddrs: [],
          activeFrom: 0,
        },
        2n,
        0,
      ),
      slash(5n),
    ];
    const directory = await syncOnce(history, h.reputation);
    expect(directory.byPeerId(peerId.toString())?.slashes).toBe(1);
    const afterOne = h.reputation.score(peerId.toString(), "storing");
    expect(afterOne).toBeLessThan(NEUTRAL_SCORE);
    // Other contexts are untouched.
    expect(h.reputation.score(peerId.toString(), "serving")).toBe(NEUTRAL_SCORE);

    // Same process, replayed again: nothing changes.
    await syncOnce(history, h.reputation);
    expect(h.reputation.score(peerId.toString(), "storing")).toBe(afterOne);

    // A restart (new service, same database) replays the history plus one new slash.
    h.close();
    h = h.reopen();
    await syncOnce([...history, slash(9n)], h.reputation);
    const entries = h.reputation.entries(peerId.toString());
    expect(entries).toHaveLength(1);
    expect(entries[0]?.events).toBe(2);
    expect(h.reputation.score(peerId.toString(), "storing")).toBeLessThan(afterOne);
  });
});
