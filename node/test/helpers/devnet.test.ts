import { expect, it } from "vitest";
import { startDevnet } from "./devnet.ts";
it("starts anvil from genesis with the contracts deployed, and mines only when asked", async () => {
  const d = await startDevnet();
  const n = await d.publicClient.getBlockNumber();
  await new Promise((r) => setTimeout(r, 2500));
  expect(await d.publicClient.getBlockNumber()).toBe(n);
  await d.mine(15);
  expect(await d.publicClient.getBlockNumber()).toBe(n + 15n);
  await d.stop();
}, 40_000);
