/**
 * The dApp end to end: a provider registers and stakes through the UI with an injected
 * wallet, the market lists it from the subgraph, a client buys a storage deal in the
 * browser (encode, pay, upload each slot to its provider's node) and watches it start,
 * and every page is screenshotted into test/e2e/artifacts/ (git-ignored) for a person to
 * look at.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { abis, deployments } from "@cairn/node/contracts";
import { slotIdOf } from "@cairn/node/core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Address, createPublicClient, type Hex, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { launchChromium } from "./browser.ts";
import { injectWallet } from "./injected-wallet.ts";
import { type Stack, startStack } from "./stack.ts";

const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const PAGES = [
  { path: "/", name: "market", heading: "Market" },
  { path: "/provider", name: "provider", heading: "Provider" },
  { path: "/buy", name: "buy", heading: "Buy storage" },
  { path: "/storage", name: "storage", heading: "My storage" },
  { path: "/channels", name: "channels", heading: "Channels" },
];

const BLOCK = 256 * 1024;
/** IStorageMarket's enums, in order. */
const REQUEST_STATES = ["None", "New", "Started", "Finished", "Failed", "Cancelled"];
const SLOT_STATES = ["Free", "Filled", "Repair", "Collected"];

interface IndexedRequest {
  state: string;
  client: string;
  escrow: string;
  slots: { index: number; state: string; root: string; host: { id: string } | null }[];
}

/** The request as the indexer has it, asked directly over GraphQL. */
async function indexedRequest(id: Hex): Promise<IndexedRequest> {
  const response = await fetch(stack.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `query($id: ID!) { storageRequest(id: $id) {
        state client escrow slots(orderBy: index) { index state root host { id } } } }`,
      variables: { id: id.toLowerCase() },
    }),
  });
  const { data } = (await response.json()) as { data: { storageRequest: IndexedRequest } };
  return data.storageRequest;
}

let stack: Stack;
let clientContext: BrowserContext | undefined;
let fileDir: string | undefined;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/**
 * How long a navigation may take. `next dev` compiles a page on its first visit: in CI on a
 * loaded 2-core machine the first page took over Playwright's default 30 s, and every later
 * step failed with it.
 */
const NAVIGATION_TIMEOUT_MS = 180_000;

async function screenshot(name: string, on: Page = page) {
  await on.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack({ log: (line) => process.env.CAIRN_DEBUG && console.log(line) });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await injectWallet(page, {
    rpcUrl: stack.rpcUrl,
    privateKey: devAccount("provider1").privateKey,
    startChainId: 1,
  });
});

afterAll(async () => {
  await clientContext?.close();
  await browser?.close();
  await stack?.stop();
  if (fileDir !== undefined) rmSync(fileDir, { recursive: true, force: true });
});

describe("the dApp against the local stack", () => {
  it("connects the injected wallet, sees it on the wrong chain, and switches it to Cairn", async () => {
    await page.goto(`${stack.webUrl}/provider`);
    await page
      .getByRole("button", { name: /^Connect / })
      .first()
      .click();
    await expect
      .poll(() => page.getByTestId("account").getAttribute("title"), { timeout: 60_000 })
      .toBe(devAccount("provider1").address);
    await expect.poll(() => page.getByTestId("wallet").textContent()).toContain("wrong chain (1)");
    await screenshot("wrong-chain");
    await page.getByRole("button", { name: "Switch to Cairn (98765)" }).click();
    await expect.poll(() => page.getByTestId("wallet").textContent()).toContain("Cairn 98765");
  });

  it("registers and stakes a provider through the UI", async () => {
    await page.getByRole("heading", { name: "Register as a provider" }).waitFor({ timeout: 60_000 });
    await page.locator('input[name="apiUrl"]').fill(stack.nodeApiUrl);
    await page.getByRole("button", { name: "Fill from node" }).click();
    await expect.poll(() => page.locator('input[name="peerId"]').inputValue()).toMatch(/^12D3KooW/);
    await page.locator('input[name="region"]').fill("eu-e2e");
    await page.locator('input[name="stake"]').fill("20");
    await screenshot("provider-register");
    await page.getByRole("button", { name: "Register and stake" }).click();
    // The dashboard replaces the form once the registry says registered.
    await page.getByTestId("stake").waitFor({ timeout: 90_000 });
    await expect.poll(() => page.getByTestId("stake").textContent()).toContain("20 ETH");

    await page.locator('input[name="addStake"]').fill("5");
    await page.getByRole("button", { name: "Add stake" }).click();
    await expect.poll(() => page.getByTestId("stake").textContent(), { timeout: 60_000 }).toContain("25 ETH");
    await screenshot("provider-dashboard");
  });

  it("shows a revert as a plain-words custom error", async () => {
    // More than the free stake: the registry's InsufficientFreeStake, simulated before signing.
    await page.locator('input[name="exitAmount"]').fill("1000");
    await page.getByRole("button", { name: "Request withdrawal" }).click();
    const failed = page.locator('[role="status"][data-phase="failed"]');
    await failed.waitFor({ timeout: 30_000 });
    expect(await failed.textContent()).toContain("Not enough free stake");
  });

  it("opens a payment channel and asks to close it, through the UI", async () => {
    await page.getByRole("link", { name: "Channels" }).click();
    await page.locator('input[name="recipient"]').fill(devAccount("provider2").address);
    await page.locator('input[name="deposit"]').fill("2");
    await page.getByRole("button", { name: "Open channel" }).click();
    const row = page.getByTestId("channel");
    await expect
      .poll(async () => (await row.count()) > 0 && (await row.first().textContent()), { timeout: 60_000 })
      .toContain("Open");
    expect(await row.first().textContent()).toContain("2 ETH");
    await row.first().getByRole("button", { name: "Request close" }).click();
    await expect.poll(() => row.first().textContent(), { timeout: 60_000 }).toContain("Closing");
    await screenshot("channels");
  });

  it("lists the new provider on the market, from the subgraph", async () => {
    await page.goto(stack.webUrl);
    const table = page.getByTestId("providers");
    await expect
      .poll(async () => ((await table.textContent()) ?? "").toLowerCase(), { timeout: 60_000 })
      .toContain("eu-e2e");
    await screenshot("market");
  });

  it("offers the dev-account wallet, marked as local devnet only", async () => {
    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.getByLabel("dev account").selectOption("cairn-dev-client1");
    await page.getByRole("button", { name: "Use dev key" }).click();
    await expect
      .poll(() => page.getByTestId("account").getAttribute("title"), { timeout: 30_000 })
      .toBe(devAccount("client1").address);
    expect(await page.getByTestId("wallet").textContent()).toContain("local devnet only");
  });

  it("buys a storage deal for a file in the browser, and the deal starts", async () => {
    // The client: a second browser profile whose injected wallet signs with client1's key.
    clientContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const client = await clientContext.newPage();
    client.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
    client.on("pageerror", (error) => pageErrors.push(error.message));
    if (process.env.CAIRN_DEBUG)
      client.on("console", (message) => console.log(`client page: ${message.type()} ${message.text()}`));
    await injectWallet(client, { rpcUrl: stack.rpcUrl, privateKey: devAccount("client1").privateKey });
    await client.goto(`${stack.webUrl}/buy`);
    await client
      .getByRole("button", { name: /^Connect / })
      .first()
      .click();
    await expect
      .poll(() => client.getByTestId("account").getAttribute("title"), { timeout: 60_000 })
      .toBe(devAccount("client1").address);

    // A real file on disk: 2.5 blocks of random bytes, so k = 2 makes 2 stripes of 256 KiB.
    // It stays on disk until the end: the page's File reads from it when the worker encodes.
    fileDir = mkdtempSync(join(tmpdir(), "cairn-e2e-file-"));
    const filePath = join(fileDir, "e2e-deal.bin");
    writeFileSync(filePath, randomBytes(BLOCK * 2 + BLOCK / 2));
    await client.getByLabel("file", { exact: true }).setInputFiles(filePath);
    await expect.poll(() => client.getByTestId("dropzone").textContent()).toContain("e2e-deal.bin");
    await client.locator('input[name="k"]').fill("2");
    await client.locator('input[name="n"]').fill("3");
    await client.locator('input[name="days"]').fill("2");
    // provider1 (1 wei/B/s, registered above), provider2 (2) and provider3 (3) accept it;
    // nobody dearer would be chosen.
    await client.locator('input[name="maxPrice"]').fill("3");

    // The quote: three providers once provider1's offer is active (the registry's
    // activation delay), at the highest chosen price, with the contract's escrow rule.
    const quote = client.getByTestId("quote");
    const quoted = client.getByTestId("quote-provider");
    await expect.poll(() => quoted.count(), { timeout: 120_000 }).toBe(3);
    const chosen = (await quoted.evaluateAll((rows) =>
      rows.map((row) => row.getAttribute("data-address")?.toLowerCase()),
    )) as Address[];
    const providers = ["provider1", "provider2", "provider3"].map((role) =>
      devAccount(role).address.toLowerCase(),
    );
    expect([...chosen].sort()).toEqual([...providers].sort());
    const slotSize = BigInt(BLOCK * 2);
    const duration = 2n * 86_400n;
    expect(await quote.getAttribute("data-slot-size")).toBe(String(slotSize));
    expect(await quote.getAttribute("data-price")).toBe("3");
    const escrow = 3n * slotSize * 3n * duration;
    expect(await quote.getAttribute("data-escrow")).toBe(String(escrow));
    await screenshot("buy-quote", client);

    // Pay: the worker encodes, requestStorage is simulated and sent, then each slot is
    // uploaded to its provider's node, which checks it against the chain and fills it.
    const buy = client.getByRole("button", { name: /^Encode, pay escrow and upload/ });
    await expect.poll(() => buy.isEnabled(), { timeout: 30_000 }).toBe(true);
    await buy.click();
    // The flow's own error line, if anything fails on the way, says why in the failure.
    const flowError = client.locator('section[aria-label="buy"] .bad');
    const progressOrError = (testId: string) => client.getByTestId(testId).or(flowError).first();
    await progressOrError("encoding").waitFor({ timeout: 60_000 });
    await progressOrError("request-id").waitFor({ timeout: 90_000 });
    expect(await flowError.count(), (await flowError.allTextContents()).join("; ")).toBe(0);
    const requestId = (await client.getByTestId("request-id").getAttribute("title")) as Hex;
    expect(requestId).toMatch(/^0x[0-9a-f]{64}$/);
    await expect
      .poll(() => client.getByTestId("request-state").textContent(), { timeout: 180_000 })
      .toBe("Started");
    for (let index = 0; index < 3; index++) {
      const row = client.getByTestId(`slot-${index}`);
      await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain("uploaded");
      await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain("Filled");
    }
    await screenshot("buy-started", client);

    // The chain agrees: started, every slot filled by the provider the quote chose for it.
    const chain = createPublicClient({ transport: http(stack.rpcUrl) });
    const market = {
      address: deployments["98765"]?.StorageMarket.address as Address,
      abi: abis.StorageMarket,
    };
    const info = await chain.readContract({ ...market, functionName: "requestInfo", args: [requestId] });
    expect(info.client.toLowerCase()).toBe(devAccount("client1").address.toLowerCase());
    expect(REQUEST_STATES[info.state]).toBe("Started");
    expect([info.slots, info.dataSlots, info.filledSlots]).toEqual([3, 2, 3]);
    expect(info.slotSize).toBe(slotSize);
    expect(BigInt(info.duration)).toBe(duration);
    const slots = await Promise.all(
      chosen.map((_, index) =>
        chain.readContract({ ...market, functionName: "slotInfo", args: [slotIdOf(requestId, index)] }),
      ),
    );
    expect(slots.map((s) => SLOT_STATES[s.state])).toEqual(["Filled", "Filled", "Filled"]);
    expect(slots.map((s) => s.host.toLowerCase())).toEqual(chosen);

    // My storage lists it from the indexer, with the same state and hosts as the chain.
    await client.getByRole("link", { name: "My storage" }).click();
    const card = client.locator(`[data-testid="request"][data-request-id="${requestId}"]`);
    await expect.poll(() => card.getAttribute("data-state"), { timeout: 60_000 }).toBe("Started");
    expect(await card.textContent()).toContain("e2e-deal.bin");
    const rows = card.getByTestId("request-slot");
    const shown = async () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute("data-state"), tr.getAttribute("data-host")]),
      );
    await expect.poll(shown, { timeout: 30_000 }).toEqual(chosen.map((host) => ["Filled", host]));
    const indexed = await indexedRequest(requestId);
    expect(indexed.state).toBe("Started");
    expect(indexed.client).toBe(devAccount("client1").address.toLowerCase());
    expect(indexed.escrow).toBe(String(escrow));
    expect(indexed.slots.map((s) => [s.index, s.state, s.host?.id, s.root])).toEqual(
      slots.map((s, index) => [index, "Filled", s.host.toLowerCase(), s.root.toLowerCase()]),
    );
    await screenshot("storage-deal", client);
  });

  it("renders every page without a page error", async () => {
    for (const { path, name, heading } of PAGES) {
      await page.goto(`${stack.webUrl}${path}`);
      await page.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor({ timeout: 60_000 });
      await page.waitForLoadState("networkidle");
      await screenshot(`page-${name}`);
    }
    expect(pageErrors).toEqual([]);
  });
});
