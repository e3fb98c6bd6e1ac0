/**
 * The Solidity verifier and sampler against the shared proof vectors that node/src/core
 * produces (scripts/vectors/). If either side changes alone, these fail.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { network } from "hardhat";
import type { Hex } from "viem";
import {
  channelIdOf,
  periodFirstBlock,
  periodOf,
  requestIdOf,
  slotIdOf,
} from "../../../node/src/core/index.ts";
import { buildVectors, VECTORS_FILE, type VectorFile } from "../../../scripts/vectors/vectors.ts";
import { guardUnhandledRejections } from "../../helpers/guard.ts";
import { at } from "../../helpers/arrays.ts";

guardUnhandledRejections();

const vectors = JSON.parse(readFileSync(VECTORS_FILE, "utf8")) as VectorFile;

/** Flips the low bit of byte `index` of a hex string. */
function flipByte(hex: Hex, index: number): Hex {
  const at = 2 + index * 2;
  const byte = Number.parseInt(hex.slice(at, at + 2), 16) ^ 1;
  return `${hex.slice(0, at)}${byte.toString(16).padStart(2, "0")}${hex.slice(at + 2)}` as Hex;
}

describe("CellProofs and Sampling against the shared vectors", async () => {
  const { viem, networkHelpers } = await network.create();
  /** The library harness. */
  async function harnessFixture() {
    return viem.deployContract("LibraryHarness");
  }
  const load = () => networkHelpers.loadFixture(harnessFixture);

  it("are what node/src/core produces today", () => {
    assert.deepEqual(
      JSON.parse(JSON.stringify(buildVectors())),
      vectors,
      "run `node scripts/vectors/build.ts`",
    );
  });

  for (const slot of vectors.slots) {
    describe(`${slot.label}: ${slot.numCells} cells of ${slot.cellSize} B`, () => {
      it("has the depth the contract computes", async () => {
        const harness = await load();
        assert.equal(await harness.read.depth([BigInt(slot.numCells)]), BigInt(slot.depth));
      });

      for (const [n, proof] of slot.proofs.entries()) {
        const args = (cells: Hex, siblings: readonly Hex[], root: Hex = slot.root) =>
          [
            cells,
            siblings,
            root,
            proof.seed,
            proof.slotId,
            BigInt(slot.numCells),
            BigInt(slot.cellSize),
            BigInt(vectors.samples),
          ] as const;

        it(`samples the same cells and duty (seed ${n})`, async () => {
          const harness = await load();
          const indices = await harness.read.cellIndices([
            proof.seed,
            proof.slotId,
            BigInt(vectors.samples),
            BigInt(slot.numCells),
          ]);
          assert.deepEqual(indices.map(Number), proof.indices);
          for (const [i, probability] of vectors.probabilities.entries()) {
            assert.equal(
              await harness.read.isProofRequired([proof.seed, proof.slotId, BigInt(probability)]),
              proof.required[i],
            );
          }
        });

        it(`accepts the proof and rejects any tampering (seed ${n})`, async () => {
          const harness = await load();
          assert.equal(await harness.read.verify(args(proof.cells, proof.siblings)), true);
          assert.equal(
            await harness.read.verify(args(flipByte(proof.cells, 0), proof.siblings)),
            false,
            "first cell",
          );
          const last = (proof.cells.length - 2) / 2 - 1;
          assert.equal(
            await harness.read.verify(args(flipByte(proof.cells, last), proof.siblings)),
            false,
            "last cell",
          );
          if (proof.siblings.length > 0) {
            const siblings = [...proof.siblings];
            siblings[siblings.length - 1] = flipByte(at(siblings, siblings.length - 1), 31);
            assert.equal(await harness.read.verify(args(proof.cells, siblings)), false, "top sibling");
          }
          assert.equal(
            await harness.read.verify(args(proof.cells, proof.siblings, flipByte(slot.root, 5))),
            false,
            "root",
          );
          assert.equal(
            await harness.read.verify(args(`${proof.cells}00`, proof.siblings)),
            false,
            "cells length",
          );
          assert.equal(
            await harness.read.verify(args(proof.cells, [...proof.siblings, slot.root])),
            false,
            "siblings length",
          );
        });
      }
    });
  }

  it("rejects a proof for another slot or seed", async () => {
    const harness = await load();
    const slot = vectors.slots.find((s) => s.label === "three-blocks");
    assert.ok(slot);
    const [a, b] = slot.proofs;
    assert.ok(a && b);
    const verify = (seed: Hex, slotId: Hex) =>
      harness.read.verify([
        a.cells,
        a.siblings,
        slot.root,
        seed,
        slotId,
        BigInt(slot.numCells),
        BigInt(slot.cellSize),
        BigInt(vectors.samples),
      ]);
    assert.equal(await verify(a.seed, a.slotId), true);
    assert.equal(await verify(b.seed, a.slotId), false);
    assert.equal(await verify(a.seed, b.slotId), false);
  });

  it("derives ids and periods as node/src/core does", async () => {
    const harness = await load();
    const client = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
    const nonce = "0x00000000000000000000000000000000000000000000000000000000000000aa" as const;
    const requestId = requestIdOf(client, nonce);
    assert.equal(await harness.read.deriveRequestId([client, nonce]), requestId);
    assert.equal(await harness.read.deriveSlotId([requestId, 9n]), slotIdOf(requestId, 9));
    assert.deepEqual(await harness.read.splitSlotId([slotIdOf(requestId, 9)]), [requestId, 9n]);
    assert.equal(await harness.read.deriveChannelId([client, 3n]), channelIdOf(client, 3n));
    assert.equal(await harness.read.periodAt([1234n, 15n]), periodOf(1234n, 15n));
    assert.equal(await harness.read.firstBlock([82n, 15n]), periodFirstBlock(82n, 15n));
  });
});

describe("UniformSlotTree (the gas benchmark's 1 GiB slots)", async () => {
  const { buildSlotTree, proveSlot } = await import("../../../node/src/core/index.ts");
  const { UniformSlotTree, nonZeroPattern } = await import("../../helpers/uniform-tree.ts");
  const { viem } = await network.create();

  it("builds the same root and proofs as the full tree over the same bytes", () => {
    const pattern = nonZeroPattern(256, 3);
    const data = new Uint8Array(256 * 64);
    for (let i = 0; i < 64; i++) data.set(pattern, i * 256);
    const full = buildSlotTree(data);
    const uniform = new UniformSlotTree(pattern, data.length);
    assert.deepEqual(uniform.root, full.root);
    const { seed, slotId } = at(at(vectors.slots, 0).proofs, 0);
    assert.deepEqual(proveSlot(uniform, seed, slotId, 8), proveSlot(full, seed, slotId, 8));
  });

  it("proves a 1 GiB slot that the contract verifies", async () => {
    const harness = await viem.deployContract("LibraryHarness");
    const tree = new UniformSlotTree(nonZeroPattern(256, 1), 2 ** 30);
    assert.equal(tree.depth, 22);
    const { seed, slotId } = at(at(vectors.slots, 0).proofs, 0);
    const proof = proveSlot(tree, seed, slotId, 8);
    const root = `0x${Buffer.from(tree.root).toString("hex")}` as Hex;
    assert.equal(
      await harness.read.verify([proof.cells, proof.siblings, root, seed, slotId, 2n ** 22n, 256n, 8n]),
      true,
    );
  });
});
