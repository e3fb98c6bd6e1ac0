import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Key } from "interface-datastore";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogManager } from "../../src/logging/index.ts";
import { PeerDatastore } from "../../src/network/peer-datastore.ts";

const quiet = new LogManager({ level: "silent" }).logger("datastore");
const bytes = (value: string) => new TextEncoder().encode(value);
const text = (value: Uint8Array) => new TextDecoder().decode(value);
let dir: string;
let store: PeerDatastore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-peer-datastore-"));
  store = new PeerDatastore(dir, quiet);
  await store.open();
  store.start();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("PeerDatastore", () => {
  it("drops writes and deletes once stopped, and takes them again once started", async () => {
    await store.put(new Key("/peers/kept"), bytes("before"));
    await store.afterStop();

    await store.put(new Key("/peers/late"), bytes("after"));
    await store.delete(new Key("/peers/kept"));
    expect(await store.has(new Key("/peers/late"))).toBe(false);
    expect(text(await store.get(new Key("/peers/kept")))).toBe("before");

    store.start();
    await store.put(new Key("/peers/late"), bytes("restarted"));
    await store.delete(new Key("/peers/kept"));
    expect(text(await store.get(new Key("/peers/late")))).toBe("restarted");
    expect(await store.has(new Key("/peers/kept"))).toBe(false);
  });

  it("lets the writes under way finish before its stop resolves", async () => {
    const writing = store.put(new Key("/peers/in-flight"), bytes("x".repeat(100_000)));
    await store.afterStop();
    // Checked at once, with no await in between that the write could finish during.
    expect(existsSync(join(dir, "peers", "in-flight.data"))).toBe(true);
    await writing;
  });
});
