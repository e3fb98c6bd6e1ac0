/**
 * The dApp end to end: a provider registers and stakes through the UI with an injected
 * wallet, the market lists it from the subgraph, and every page is screenshotted into
 * test/e2e/artifacts/ (git-ignored) for a person to look at.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
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

let stack: Stack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function screenshot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack({ log: (line) => process.env.CAIRN_DEBUG && console.log(line) });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await injectWallet(page, {
    rpcUrl: stack.rpcUrl,
    privateKey: devAccount("provider1").privateKey,
    startChainId: 1,
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
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
