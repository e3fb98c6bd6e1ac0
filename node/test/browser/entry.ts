/**
 * The page side of the browser test: the isomorphic core, bundled by esbuild, computes
 * a root CID, erasure parity, slot roots and a manifest CID over bytes handed in by the
 * test, and shows them on the page for the screenshot.
 */
import {
  BLOCK_SIZE,
  buildSlotTree,
  createCellHasher,
  createErasureCodec,
  type DatasetManifest,
  decodeManifest,
  decryptStream,
  encryptStream,
  importFile,
  uploadData,
} from "../../src/core/index.ts";

export interface BrowserResults {
  rootCid: string;
  parityHex: string;
  slotRoots: string[];
  manifestCid: string;
  treeRoot: string;
  userAgent: string;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}

async function run(data: Uint8Array, k: number, m: number): Promise<BrowserResults> {
  const file = await importFile([data], () => {});
  const codec = await createErasureCodec();
  const stripe = new Uint8Array(k * BLOCK_SIZE);
  stripe.set(data.subarray(0, stripe.length));
  const parity = codec.encode(stripe, k, m);
  const blocks = new Map<string, Uint8Array>();
  const upload = await uploadData([data], {
    onBlock: (block) => {
      blocks.set(block.cid.toString(), block.bytes);
    },
    erasure: { k, m },
  });
  if (!upload.manifestCid) throw new Error("no manifest");
  const manifestBytes = blocks.get(upload.manifestCid.toString());
  if (!manifestBytes) throw new Error("manifest block not stored");
  const manifest: DatasetManifest = await decodeManifest(manifestBytes, upload.manifestCid);
  const hasher = await createCellHasher();
  const tree = buildSlotTree(data.subarray(0, BLOCK_SIZE), 256, hasher);
  return {
    rootCid: file.cid.toString(),
    parityHex: await sha256Hex(parity),
    slotRoots: manifest.slots.map((slot) => hex(slot.root)),
    manifestCid: upload.manifestCid.toString(),
    treeRoot: hex(tree.root),
    userAgent: page.navigator.userAgent,
  };
}

const fromBase64 = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function concat(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The few DOM APIs used here, typed locally: the package's TypeScript has no DOM lib. */
interface PageGlobals {
  cairnCore: {
    run(base64: string, k: number, m: number): Promise<BrowserResults>;
    encrypt(base64: string, key: string): Promise<string>;
    decrypt(base64: string, key: string): Promise<string>;
  };
  navigator: { userAgent: string };
  document: {
    title: string;
    body: { append(node: unknown): void };
    createElement(tag: "pre"): { textContent: string };
  };
}
const page = globalThis as unknown as PageGlobals;

page.cairnCore = {
  async encrypt(base64, key) {
    return toBase64(await concat(encryptStream([fromBase64(base64)], fromBase64(key))));
  },
  async decrypt(base64, key) {
    return toBase64(await concat(decryptStream([fromBase64(base64)], fromBase64(key))));
  },
  async run(base64, k, m) {
    const data = fromBase64(base64);
    const results = await run(data, k, m);
    const pre = page.document.createElement("pre");
    pre.textContent = `Cairn core in ${results.userAgent}\n\n${JSON.stringify(results, null, 2)}`;
    page.document.body.append(pre);
    return results;
  },
};
page.document.title = "cairn core ready";
