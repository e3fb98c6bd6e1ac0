import { defineConfig } from "vitest/config";

// The browser test: runs the core in Debian's Chromium (see core.browser.ts). Its file
// name keeps it out of the main config, whose tests need no browser.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/browser/**/*.browser.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
