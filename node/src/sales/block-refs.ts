/**
 * Which blocks may be removed after a slot's data was refused. Blocks are content-addressed,
 * so one block (a zero padding block above all) can belong to datasets, to held slots and
 * to other uploads streaming in at the same time; a block is removed only when none of
 * these uses it, and only if this upload was the one that wrote it.
 */
import { CID } from "multiformats/cid";
import type { CairnBlockstore } from "../store/blocks/index.ts";
import type { MetadataStore } from "../store/metadata/index.ts";

/** Blocks that uploads in flight have written or are writing, counted per upload. */
export class BlockPins {
  readonly #counts = new Map<string, number>();

  pin(cid: string): void {
    this.#counts.set(cid, (this.#counts.get(cid) ?? 0) + 1);
  }

  unpin(cid: string): void {
    const count = (this.#counts.get(cid) ?? 0) - 1;
    if (count > 0) this.#counts.set(cid, count);
    else this.#counts.delete(cid);
  }

  has(cid: string): boolean {
    return this.#counts.has(cid);
  }
}

/** Whether a dataset or a held slot uses the block. */
export function isBlockReferenced(metadata: MetadataStore, cid: string): boolean {
  if (metadata.datasets.isBlockReferenced(cid)) return true;
  return (
    metadata.database.prepare("SELECT 1 FROM held_slot_blocks WHERE block_cid = ? LIMIT 1").get(cid) !==
    undefined
  );
}

/**
 * Removes the blocks that nothing references and no upload in flight holds. Returns how
 * many were removed.
 */
export async function removeUnreferenced(
  cids: Iterable<string>,
  deps: { metadata: MetadataStore; blockstore: CairnBlockstore; pins: BlockPins },
): Promise<number> {
  let removed = 0;
  for (const cid of new Set(cids)) {
    if (deps.pins.has(cid) || isBlockReferenced(deps.metadata, cid)) continue;
    await deps.blockstore.delete(CID.parse(cid));
    removed++;
  }
  return removed;
}
