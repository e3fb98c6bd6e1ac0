/**
 * Runs the isomorphic core in real Chromium (Debian's, driven by playwright-core) and
 * checks that it computes exactly what Node computes: a file's root CID, Reed-Solomon
 * parity, slot roots and the manifest CID. The core is bundled with esbuild for the
 * browser (no Node polyfills) and served from a loopback HTTP server, a secure context
 * where WebCrypto is available.
 *
 *   npx vitest run --config node/test/browser/vitest.config.ts   (from the repository root)
 */
import { existsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BLOCK_SIZE,
  buildSlotTree,
  createCellHasher,
  createErasureCodec,
  decryptStream,
  encryptStream,
  generateEncryptionKey,
  importFile,
  uploadData,
} from "../../src/core/index.ts";
import { collect, pseudoRandom } from "../core/helpers.ts";
import type { BrowserResults } from "./entry.ts";

interface Page {
  cairnCore: {
    run(base64: string, k: number, m: number): Promise<BrowserResults>;
    encrypt(base64: string, key: string): Promise<string>;
    decrypt(base64: string, key: string): Promise<string>;
  };
}

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];
const [K, M] = [3, 2];
// Four stripes' worth minus a bit: several stripes, the last padded.
const data = pseudoRandom("browser", 11 * BLOCK_SIZE + 4321);

let server: Server;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install it with \`apt-get update && apt-get install -y chromium\``,
    );
  const bundle = await build({
    entryPoints: [new URL("./entry.ts", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]?.contents ?? new Uint8Array(0);
  const page =
    '<!doctype html><meta charset="utf-8"><title>cairn core</title><script type="module" src="/core.js"></script>';
  server = createServer((req, res) => {
    if (req.url === "/core.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end(page);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("the core in Chromium", () => {
  it("computes the same root CID, parity, slot roots and manifest CID as Node", {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(origin);
    await page.waitForFunction(
      () => (globalThis as unknown as { document: { title: string } }).document.title === "cairn core ready",
      undefined,
      { timeout: 30_000 },
    );
    const base64 = Buffer.from(data).toString("base64");
    const fromBrowser = await page.evaluate(
      ([b64, k, m]) => (globalThis as unknown as Page).cairnCore.run(b64, k, m),
      [base64, K, M] as const,
    );
    await page.screenshot({
      path: new URL("./screenshots/core.png", import.meta.url).pathname,
      fullPage: true,
    });
    expect(errors).toEqual([]);
    expect(fromBrowser.userAgent).toMatch(/Chrome/);

    // The same computations in Node.
    const file = await importFile([data], () => {});
    const codec = await createErasureCodec();
    const stripe = new Uint8Array(K * BLOCK_SIZE);
    stripe.set(data.subarray(0, stripe.length));
    const parity = codec.encode(stripe, K, M);
    const upload = await uploadData([data], { onBlock: () => {}, erasure: { k: K, m: M } });
    const tree = buildSlotTree(data.subarray(0, BLOCK_SIZE), 256, await createCellHasher());

    expect(fromBrowser.rootCid).toBe(file.cid.toString());
    expect(fromBrowser.parityHex).toBe(createHash("sha256").update(parity).digest("hex"));
    expect(fromBrowser.slotRoots).toEqual(
      upload.manifest?.slots.map((slot) => Buffer.from(slot.root).toString("hex")),
    );
    expect(fromBrowser.manifestCid).toBe(upload.manifestCid?.toString());
    expect(fromBrowser.treeRoot).toBe(Buffer.from(tree.root).toString("hex"));
    writeFileSync(
      new URL("./screenshots/results.json", import.meta.url),
      `${JSON.stringify(fromBrowser, null, 2)}\n`,
    );
  });

  it("decrypts what Node encrypts, and Node decrypts what it encrypts", async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    await page.waitForFunction(
      () => (globalThis as unknown as { document: { title: string } }).document.title === "cairn core ready",
      undefined,
      { timeout: 30_000 },
    );
    const key = generateEncryptionKey();
    const plaintext = pseudoRandom("browser-secret", 200_000);
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
    const sealedInNode = await collect(encryptStream([plaintext], key));
    const openedInBrowser = await page.evaluate(
      ([data, k]) => (globalThis as unknown as Page).cairnCore.decrypt(data, k),
      [b64(sealedInNode), b64(key)] as const,
    );
    expect(openedInBrowser).toBe(b64(plaintext));
    const sealedInBrowser = await page.evaluate(
      ([data, k]) => (globalThis as unknown as Page).cairnCore.encrypt(data, k),
      [b64(plaintext), b64(key)] as const,
    );
    const openedInNode = await collect(decryptStream([Buffer.from(sealedInBrowser, "base64")], key));
    expect(Buffer.from(openedInNode).equals(Buffer.from(plaintext))).toBe(true);
    // A wrong key fails in the browser with the same named error.
    const failure = await page.evaluate(
      ([data, k]) =>
        (globalThis as unknown as Page).cairnCore.decrypt(data, k).then(
          () => "no error",
          (err: Error) => err.name,
        ),
      [b64(sealedInNode), b64(generateEncryptionKey())] as const,
    );
    expect(failure).toBe("DecryptionError");
  });
});
