import { describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_USAGE } from "../../src/cli/constants.ts";
import { runCairn } from "../helpers/cli.ts";

// --help and a missing subcommand never reach the node, so no node runs here.
const nowhere = { apiUrl: "http://127.0.0.1:9", token: "", folder: "/nonexistent" };

describe("cairn channels, provider and storage", () => {
  it.each(["channels", "provider", "storage"])(
    "%s prints its help on --help, and on stderr as a usage error without a command",
    async (command) => {
      const help = await runCairn([command, "--help"], nowhere);
      expect(help).toMatchObject({ code: EXIT_OK, stderr: "" });
      expect(help.stdout).toMatch(new RegExp(`^Usage: cairn ${command} <command>`));
      // The shared end: amounts, the options lined up with the command's own, finding the node.
      expect(help.stdout).toMatch(
        /\nAmounts: 1\.5eth, 20gwei or 1000 \(wei\)\.\n\nOptions:\n {2}--json {2,}print/,
      );
      expect(help.stdout).toMatch(/ {2}-h, --help {2,}show this help\n\nFinding the node:\n/);

      const bare = await runCairn([command], nowhere);
      expect(bare).toEqual({ code: EXIT_USAGE, stdout: "", stderr: help.stdout });
    },
  );

  it("keeps storage's own --quiet between --json and --help", async () => {
    const help = await runCairn(["storage", "--help"], nowhere);
    expect(help.stdout).toContain(
      [
        "  --json                       print the node's answer as JSON",
        "  -q, --quiet                  no progress on stderr",
        "  -h, --help                   show this help",
      ].join("\n"),
    );
  });
});
