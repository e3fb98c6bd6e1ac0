import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storageCommand } from "../../src/cli/commands/storage.ts";
import type { Purchasing } from "../../src/purchasing/index.ts";
import { type PurchasingWorld, randomData, startPurchasingWorld } from "./helpers.ts";
import { until } from "../helpers/until.ts";
import { startStorageApi, TOKEN } from "./storage-api.ts";

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

describe("/api/v1/storage and cairn storage", () => {
  let world: PurchasingWorld;
  let purchasing: Purchasing;
  let api: { url: string; stop(): Promise<void> };
  let offline: { url: string; stop(): Promise<void> };
  let cid: string;

  const post = (path: string, body?: unknown, auth = true) =>
    fetch(`${api.url}/api/v1/storage/${path}`, {
      method: "POST",
      headers: {
        ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const get = async (path: string) => (await fetch(`${api.url}/api/v1/storage/${path}`)).json();

  /**
   * Runs `cairn storage ...` in-process against the test API, with `main`'s error handling
   * (one line on stderr, the error's exit code); `main` itself dispatches to it once
   * cli/index.ts lists the command.
   */
  const cairn = async (command: string, ...args: string[]) => {
    expect(command).toBe("storage");
    let stdout = "";
    let stderr = "";
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { CAIRN_API_URL: api.url, CAIRN_API_TOKEN: TOKEN, CAIRN_DATA_DIR: world.folder },
      cwd: world.folder,
    };
    let code: number;
    try {
      code = await storageCommand(args, io);
    } catch (err) {
      stderr += `cairn storage: ${(err as Error).message}\n`;
      code = (err as { exitCode?: number }).exitCode ?? 1;
    }
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    world = await startPurchasingWorld();
    purchasing = world.purchasing({ autoWithdraw: false });
    purchasing.start();
    api = await startStorageApi(
      { blockstore: world.blockstore, metadata: world.metadata, purchasing },
      world.logger,
    );
    offline = await startStorageApi({ blockstore: world.blockstore, metadata: world.metadata }, world.logger);
    cid = await world.storeDataset(randomData(300), 4, 2);
  }, 60_000);
  afterAll(async () => {
    await purchasing?.stop();
    await Promise.allSettled([api?.stop(), offline?.stop()]);
    await world?.stop();
  });

  it("quotes by size or by a stored dataset", async () => {
    const bySize = await post("quote", {
      size: 700 * 1024,
      k: 4,
      m: 2,
      duration: 3600,
      collateralPerByte: "10",
    });
    expect(bySize.status).toBe(200);
    const quote = (await bySize.json()) as Record<string, unknown> & { providers: unknown[] };
    expect(quote).toMatchObject({ k: 4, m: 2, slotSize: "262144", pricePerBytePerSecond: "6" });
    expect(quote.escrow).toBe(String(6n * 262_144n * 6n * 3600n));
    expect(quote.providers).toHaveLength(6);

    const byCid = await post("quote", { cid, duration: 3600, maxPrice: "10" });
    expect(await byCid.json()).toMatchObject({ k: 4, m: 2, slotSize: "262144" });
  });

  // A valid CID ("hello world" as a raw block) that this node does not store.
  const unknownCid = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
  it.each([
    ["quote", { duration: 0, size: 1, k: 1, m: 1 }, 400, "duration"],
    ["quote", { size: 1, k: 1, m: 1 }, 400, "duration"],
    ["quote", { size: 1, k: 60, m: 10, duration: 3600 }, 400, "m"],
    ["quote", { size: 1, k: 4, duration: 3600 }, 400, "m"],
    ["quote", { size: 1, k: 4, m: 2, duration: 3600, maxPrice: "cheap" }, 400, "maxPrice"],
    ["quote", { size: 1, k: 4, m: 2, duration: 3600, color: "red" }, 400, "color"],
    ["quote", { size: 1, k: 4, m: 2, duration: 400 * 86_400 }, 400, "duration"],
    ["quote", { cid: "not-a-cid", duration: 3600 }, 400, "cid"],
    ["quote", { cid: unknownCid, duration: 3600 }, 404, "cid"],
    ["quote", { size: 1, k: 4, m: 2, duration: 3600, maxPrice: "0" }, 422, "providers"],
    ["quote", { size: 1, k: 4, m: 2, duration: 30 }, 422, "providers"],
    ["quote", { size: 1, k: 4, m: 2, duration: 3600, collateralPerByte: "5000" }, 422, "providers"],
    ["requests", { cid: "PLACEHOLDER", duration: 3600, k: 3 }, 400, "k"],
    ["requests", { cid: "PLACEHOLDER", duration: 3600, expiry: 3600 }, 400, "expiry"],
    ["requests", { cid: unknownCid, duration: 3600 }, 404, "cid"],
  ])("POST %s %o answers %i naming %s", async (path, body, status, field) => {
    const sent = { ...body, ...("cid" in body && body.cid === "PLACEHOLDER" ? { cid } : {}) };
    const before = (await world.requestsOnChain()).length;
    const res = await post(path, sent);
    const { error } = (await res.json()) as ErrorBody;
    expect(res.status, error.message).toBe(status);
    expect(error.field).toBe(field);
    if (status === 422) expect(error.message).toMatch(/over the maximum|takes durations|accepts at most/);
    expect((await world.requestsOnChain()).length).toBe(before);
  });

  it("needs the token to buy or withdraw, and answers 503 without a chain link", async () => {
    expect((await post("requests", { cid, duration: 3600 }, false)).status).toBe(401);
    expect((await post(`requests/0x${"0".repeat(64)}/withdraw`, undefined, false)).status).toBe(401);
    const res = await fetch(`${offline.url}/api/v1/storage/requests`);
    expect(res.status).toBe(503);
    expect((await get(`requests/0x${"1".repeat(64)}`)) as ErrorBody).toMatchObject({
      error: { code: "NOT_FOUND", field: "requestId" },
    });
  });

  it("cairn storage buy erasure-codes a file, prints the quote and per-slot progress, and the request id; withdraw after the cancel refunds the escrow", async () => {
    for (const endpoint of world.endpoints) endpoint.behaviour.fill = false;
    const file = join(world.folder, "photo.bin");
    await writeFile(file, randomData(600));
    const bought = await cairn(
      "storage",
      "buy",
      "photo.bin",
      "--k",
      "4",
      "--m",
      "2",
      "--duration",
      "1h",
      "--max-price",
      "10wei",
      "--expiry",
      "2m",
    );
    expect(bought.code, bought.stderr).toBe(0);
    const requestId = bought.stdout.trim();
    expect(requestId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(bought.stderr).toMatch(/quote: 4\+2 slots of 262144 B at 6 wei\/byte\/s/);
    expect(bought.stderr).toMatch(/durability: .* nines\), 3 regions, 2 infrastructures/);
    for (const region of ["eu-west", "us-east", "ap-south"]) expect(bought.stderr).toContain(region);
    for (let i = 0; i < 6; i++) expect(bought.stderr).toMatch(new RegExp(`slot ${i} → \\S+ 100%`));

    const detail = (await get(`requests/${requestId}`)) as Record<string, unknown>;
    expect(detail).toMatchObject({
      state: "uploading",
      slotsPushed: 6,
      filledSlots: 0,
      onChain: { state: "New" },
    });
    expect(detail.timeLeft).toBeLessThanOrEqual(120);
    const list = (await get("requests")) as { requests: Array<{ requestId: string }> };
    expect(list.requests.map((r) => r.requestId)).toContain(requestId);

    const early = await post(`requests/${requestId}/withdraw`);
    expect(early.status).toBe(409);
    expect(((await early.json()) as ErrorBody).error.code).toBe("PURCHASE_STATE");

    await world.devnet.increaseTime(121);
    await until(
      "the cancel",
      async () => ((await get(`requests/${requestId}`)) as { state: string }).state === "cancelled",
    );
    const withdrawn = await cairn("storage", "withdraw", requestId);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    const escrow = (detail as { escrow: string }).escrow;
    expect(withdrawn.stdout).toBe(`withdrawn: ${formatEther(BigInt(escrow))} ETH\n`);
    expect(await get(`requests/${requestId}`)).toMatchObject({ state: "withdrawn", withdrawn: escrow });
    // Again: nothing more to take, same answer.
    expect((await post(`requests/${requestId}/withdraw`)).status).toBe(200);

    const status = await cairn("storage", "status", requestId);
    expect(status.stdout).toMatch(/state: +withdrawn \(on-chain Cancelled\)/);
    expect(status.stdout).toMatch(/slot 5: 0x[0-9a-fA-F]{40} \S+ pushed Free/);
    const all = await cairn("storage", "status");
    expect(all.stdout).toContain(`${requestId} withdrawn`);
  }, 45_000);

  it("cairn storage buy refuses a target that is neither a file nor a CID, and a file without --k and --m", async () => {
    const neither = await cairn("storage", "buy", "no-such-file", "--duration", "1h");
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/neither a file nor a CID/);
    await writeFile(join(world.folder, "x.bin"), randomData(1));
    const noK = await cairn("storage", "buy", "x.bin", "--duration", "1h");
    expect(noK.stderr).toMatch(/needs --k and --m/);
    const noDuration = await cairn("storage", "buy", cid);
    expect(noDuration.stderr).toMatch(/--duration is required/);
  });
});
