import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createMetadataStore,
  isSqliteExperimentalWarning,
  MIGRATIONS,
  type MetadataStore,
  type Migration,
} from "../../src/store/metadata/index.ts";
import { randomBlock, tempDir } from "./helpers.ts";

const SQLITE_MODULE = fileURLToPath(new URL("../../src/store/metadata/sqlite.ts", import.meta.url));

describe("MetadataStore", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let path: string;
  let store: MetadataStore;

  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir.path, "meta", "metadata.sqlite");
    store = createMetadataStore({}, { path });
    store.start();
  });
  afterEach(async () => {
    store.stop();
    await dir[Symbol.asyncDispose]();
  });

  it("opens in WAL mode with synchronous=FULL and foreign keys on, at the latest schema", () => {
    const db = store.database;
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 2 }); // 2 = FULL
    expect(db.prepare("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
  });

  it("applies only new migrations on restart", () => {
    store.stop();
    const extra: Migration = {
      version: MIGRATIONS.length + 1,
      name: "notes",
      up: "CREATE TABLE notes (t TEXT) STRICT",
    };
    store = createMetadataStore({}, { path, migrations: [...MIGRATIONS, extra] });
    store.start();
    expect(store.schemaVersion).toBe(MIGRATIONS.length + 1);
    const applied = store.database
      .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
      .all();
    expect(applied.map((r) => r.name)).toEqual([...MIGRATIONS.map((m) => m.name), "notes"]);
    store.stop();
    store.start(); // nothing left to apply
    expect(store.schemaVersion).toBe(MIGRATIONS.length + 1);
  });

  it("refuses a database from a newer node", () => {
    store.stop();
    const extra: Migration = { version: MIGRATIONS.length + 1, name: "future", up: "SELECT 1" };
    const newer = createMetadataStore({}, { path, migrations: [...MIGRATIONS, extra] });
    newer.start();
    newer.stop();
    expect(() => store.start()).toThrow(expect.objectContaining({ name: "SchemaTooNewError" }));
  });

  it("rolls a failing migration back completely", () => {
    store.stop();
    const bad: Migration = {
      version: MIGRATIONS.length + 1,
      name: "half",
      up: "CREATE TABLE half (a INTEGER) STRICT; INSERT INTO nowhere VALUES (1);",
    };
    const failing = createMetadataStore({}, { path, migrations: [...MIGRATIONS, bad] });
    expect(() => failing.start()).toThrow(expect.objectContaining({ name: "MigrationError" }));
    store.start();
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(
      store.database.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get(),
    ).toBeUndefined();
  });

  it("rejects migration lists with gaps", () => {
    expect(() => createMetadataStore({}, { path, migrations: [{ version: 2, name: "x", up: "" }] })).toThrow(
      expect.objectContaining({ name: "InvalidMigrationsError" }),
    );
  });

  it("commits, rolls back, nests as savepoints and refuses async callbacks", () => {
    const db = store.database;
    db.exec("CREATE TABLE t (v INTEGER) STRICT");
    const count = () => (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;
    store.transaction(() => db.exec("INSERT INTO t VALUES (1)"));
    expect(() =>
      store.transaction(() => {
        db.exec("INSERT INTO t VALUES (2)");
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(count()).toBe(1);
    store.transaction(() => {
      db.exec("INSERT INTO t VALUES (3)");
      expect(() =>
        store.transaction(() => {
          db.exec("INSERT INTO t VALUES (4)");
          throw new Error("inner");
        }),
      ).toThrow("inner");
    });
    expect(count()).toBe(2);
    expect(() => store.transaction(async () => db.exec("INSERT INTO t VALUES (5)"))).toThrow(
      expect.objectContaining({ name: "AsyncTransactionError" }),
    );
    expect(db.isTransaction).toBe(false);
  });

  it("commits a relaxed transaction without an fsync of its own, and goes back to FULL after it", () => {
    const db = store.database;
    db.exec("CREATE TABLE t (v INTEGER) STRICT");
    const synchronous = () => (db.prepare("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
    const seen: number[] = [];
    store.relaxedTransaction(() => {
      seen.push(synchronous());
      db.exec("INSERT INTO t VALUES (1)");
    });
    expect(seen).toEqual([1]); // 1 = NORMAL, for that commit only
    expect(synchronous()).toBe(2);
    expect(() =>
      store.relaxedTransaction(() => {
        db.exec("INSERT INTO t VALUES (2)");
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(synchronous()).toBe(2);
    // Inside a FULL transaction it is part of that one, and as durable.
    store.transaction(() => store.relaxedTransaction(() => seen.push(synchronous())));
    expect(seen).toEqual([1, 2]);
    expect(db.prepare("SELECT v FROM t").all()).toEqual([{ v: 1 }]);
  });

  it("backs up online to a file that opens on its own", async () => {
    store.datasets.put({ cid: "d", rootCid: "r", size: 1 }, ["b"]);
    const copy = join(dir.path, "backup.sqlite");
    await store.backup(copy);
    store.datasets.put({ cid: "after", rootCid: "r", size: 1 }, ["b"]);
    const restored = createMetadataStore({}, { path: copy });
    restored.start();
    expect(restored.datasets.list().map((d) => d.cid)).toEqual(["d"]);
    expect(restored.schemaVersion).toBe(MIGRATIONS.length);
    restored.stop();
  });

  describe("datasets", () => {
    const a = Array.from({ length: 3 }, () => randomBlock(10).cid);
    const shared = randomBlock(10).cid;

    it("records, reads back and lists datasets", () => {
      const put = store.datasets.put({ cid: a[0] ?? "", rootCid: a[0] ?? "", size: 30, createdAt: 1000 }, [
        ...a,
        shared,
      ]);
      expect(put).toEqual({
        cid: String(a[0]),
        rootCid: String(a[0]),
        manifestCid: undefined,
        size: 30,
        blockCount: 4,
        encrypted: false,
        heldForDeal: false,
        createdAt: 1000,
      });
      store.datasets.put(
        { cid: "m2", rootCid: "r2", manifestCid: "m2", size: 5, encrypted: true, createdAt: 500 },
        [shared],
      );
      expect(store.datasets.list().map((d) => d.cid)).toEqual(["m2", String(a[0])]);
      expect(store.datasets.list({ limit: 1, offset: 1 }).map((d) => d.cid)).toEqual([String(a[0])]);
      expect(store.datasets.count()).toBe(2);
      expect([...store.datasets.blocks("m2")]).toEqual([String(shared)]);
      expect(store.datasets.get("m2")?.encrypted).toBe(true);
      expect(store.datasets.get("nope")).toBeUndefined();
    });

    it("is idempotent and survives a restart", () => {
      const first = store.datasets.put({ cid: "d", rootCid: "r", size: 1, createdAt: 1 }, ["b1"]);
      store.datasets.setHeldForDeal("d", true);
      store.datasets.put({ cid: "d", rootCid: "r", size: 1, createdAt: 2 }, ["b1", "b2"]);
      store.stop();
      store.start();
      expect(store.datasets.get("d")).toEqual({ ...first, blockCount: 2, heldForDeal: true });
    });

    it("deletes a dataset and returns only the blocks no other dataset uses", () => {
      store.datasets.put({ cid: "x", rootCid: "x", size: 1 }, ["b1", "b2", "s"]);
      store.datasets.put({ cid: "y", rootCid: "y", size: 1 }, ["s", "b3"]);
      expect(store.datasets.delete("x").orphanedBlocks.sort()).toEqual(["b1", "b2"]);
      expect(store.datasets.has("x")).toBe(false);
      expect(store.datasets.isBlockReferenced("s")).toBe(true);
      expect(store.datasets.isBlockReferenced("b1")).toBe(false);
      expect(store.datasets.delete("y").orphanedBlocks.sort()).toEqual(["b3", "s"]);
    });

    it("refuses to delete datasets held for a deal, or missing ones", () => {
      store.datasets.put({ cid: "held", rootCid: "held", size: 1 }, ["b"]);
      store.datasets.setHeldForDeal("held", true);
      expect(() => store.datasets.delete("held")).toThrow(
        expect.objectContaining({ name: "DatasetHeldForDealError" }),
      );
      expect(store.datasets.has("held")).toBe(true);
      expect(() => store.datasets.delete("missing")).toThrow(
        expect.objectContaining({ name: "DatasetNotFoundError" }),
      );
      expect(() => store.datasets.setHeldForDeal("missing", true)).toThrow(
        expect.objectContaining({ name: "DatasetNotFoundError" }),
      );
    });
  });
});

describe("node:sqlite warning filter", () => {
  it("drops exactly the SQLite ExperimentalWarning", () => {
    expect(
      isSqliteExperimentalWarning(
        "SQLite is an experimental feature and might change at any time",
        "ExperimentalWarning",
      ),
    ).toBe(true);
    expect(
      isSqliteExperimentalWarning("SQLite is an experimental feature", { type: "ExperimentalWarning" }),
    ).toBe(true);
    expect(isSqliteExperimentalWarning("SQLite is an experimental feature", "DeprecationWarning")).toBe(
      false,
    );
    expect(
      isSqliteExperimentalWarning("Type Stripping is an experimental feature", "ExperimentalWarning"),
    ).toBe(false);
  });

  it("keeps stderr clean when loading node:sqlite, and lets other warnings through", () => {
    const script = `
      const { DatabaseSync } = await import(${JSON.stringify(SQLITE_MODULE)});
      new DatabaseSync(":memory:").exec("SELECT 1");
      process.emitWarning("something else", "ExperimentalWarning");
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(child.status).toBe(0);
    expect(child.stderr).not.toContain("SQLite");
    expect(child.stderr).toContain("ExperimentalWarning: something else");
  });
});
