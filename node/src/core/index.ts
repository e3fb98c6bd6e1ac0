/**
 * The isomorphic core shared by the node, the dApp and the scripts: slot trees, proof
 * sampling and contract ids. Nothing here imports node:*; it runs in the browser as is.
 */
export * from "./ids.ts";
export * from "./sampling.ts";
export * from "./slot-tree.ts";
