import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { createReputation, REPUTATION_SCHEMA, type ReputationInit } from "../../src/reputation/index.ts";
import type { ReputationService } from "../../src/reputation/index.ts";
import { createMetadataStore, MIGRATIONS, type MetadataStore } from "../../src/store/metadata/index.ts";

export const MIGRATIONS_WITH_REPUTATION = [
  ...MIGRATIONS,
  { version: MIGRATIONS.length + 1, ...REPUTATION_SCHEMA },
];

export const quietLogger = {
  component: "test",
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  enabled: () => false,
  child() {
    return quietLogger;
  },
};

export async function newPeerId(): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();
}

/** A controllable clock, in unix ms. */
export class TestClock {
  ms: number;
  constructor(ms = 1_700_000_000_000) {
    this.ms = ms;
  }
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Harness {
  dir: string;
  path: string;
  metadata: MetadataStore;
  reputation: ReputationService;
  clock: TestClock;
  /** Stops the service and the store, as a clean shutdown does. */
  close(): void;
  /** Opens the same database again with a new service, as a restarted node does. */
  reopen(init?: ReputationInit): Harness;
  cleanup(): Promise<void>;
}

export async function harness(init: ReputationInit = {}, clock = new TestClock()): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-reputation-"));
  return open(dir, init, clock);
}

function open(dir: string, init: ReputationInit, clock: TestClock): Harness {
  const path = join(dir, "metadata.sqlite");
  const metadata = createMetadataStore(
    { logger: quietLogger },
    { path, migrations: MIGRATIONS_WITH_REPUTATION },
  );
  metadata.start();
  const reputation = createReputation({ metadata, clock: clock.now, logger: quietLogger }, init);
  reputation.start();
  const h: Harness = {
    dir,
    path,
    metadata,
    reputation,
    clock,
    close() {
      reputation.stop();
      metadata.stop();
    },
    reopen(next = init) {
      return open(dir, next, clock);
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}
