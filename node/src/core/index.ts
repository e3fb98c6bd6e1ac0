/**
 * The isomorphic core shared by the node, the dApp and the scripts (data.md). Nothing here
 * imports node:*; it runs in the browser as is. What lives here:
 *
 * - unixfs.ts: files ⇄ UnixFS DAGs (CIDs equal to kubo's and Helia's), streaming;
 * - encryption.ts: optional AES-256-GCM in a segmented streaming format;
 * - erasure/: Reed-Solomon k+m (WASM, byte-identical everywhere);
 * - hash/: batched cell hashing (WASM SIMD) behind the `CellHasher` interface;
 * - slot-tree.ts: slot cell trees, block-level layers and proofs the contract verifies;
 * - stripes.ts + upload.ts: the upload pipeline, with a seam for a worker-thread encoder;
 * - manifest.ts: the dag-cbor dataset manifest;
 * - voucher.ts: EIP-712 vouchers; sampling.ts and ids.ts: the contracts' derivations;
 * - offer.ts: the registry offer (bytes16 labels) and the provider API URL as a multiaddr;
 * - provider-selection.ts + durability.ts: choosing a request's providers, and its
 *   expected durability.
 */
export * from "./durability.ts";
export * from "./encryption.ts";
export * from "./erasure/index.ts";
export * from "./errors.ts";
export * from "./hash/index.ts";
export * from "./ids.ts";
export * from "./manifest.ts";
export * from "./offer.ts";
export * from "./provider-selection.ts";
export * from "./sampling.ts";
export * from "./slot-tree.ts";
export * from "./stripes.ts";
export * from "./unixfs.ts";
export * from "./upload.ts";
export * from "./voucher.ts";
