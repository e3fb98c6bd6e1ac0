// Types for patch-ethereumjs.mjs (plain JS so the bootstrap can run it before anything else).
export declare class PatchError extends Error {}
export interface PatchResult {
  clientVersion: string;
  vmDir: string;
  applied: string[];
  already: string[];
  missing: string[];
  warnings: string[];
}
export declare function patchEthereumjs(opts?: { root?: string; checkOnly?: boolean }): PatchResult;
export declare function checkEthereumjsPatch(opts?: { root?: string }): PatchResult;
