import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  readDeployments,
  writeDeployment,
  type DeploymentFile,
} from "../../scripts/deploy/deployment-file.ts";

const example: DeploymentFile = {
  chainId: 98765,
  deployedAt: "2026-11-20T00:00:00.000Z",
  contracts: { PaymentChannels: { address: "0x498A2a8Fbb07708B0f2Ce23e3E36661736b1584b", blockNumber: 2 } },
};

describe("deployment files", () => {
  const dirs: string[] = [];
  const freshDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-deployments-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips and leaves no temporary file behind", () => {
    const dir = freshDir();
    writeDeployment(example, dir);
    expect(readdirSync(dir)).toEqual(["98765.json"]);
    expect(readDeployments(dir)).toEqual([example]);
  });

  it("names the field that is wrong in a hand-edited file", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "98765.json"), JSON.stringify({ ...example, chainId: 1 }));
    expect(() => readDeployments(dir)).toThrow(/"chainId" must be a number matching the file name/);

    writeFileSync(
      join(dir, "98765.json"),
      JSON.stringify({ ...example, contracts: { PaymentChannels: { address: "0x12", blockNumber: 2 } } }),
    );
    expect(() => readDeployments(dir)).toThrow(/contracts\.PaymentChannels\.address is not an address/);
  });

  it("treats a missing folder as no deployments", () => {
    expect(readDeployments(join(tmpdir(), "cairn-no-such-folder"))).toEqual([]);
  });
});
