import { findPackageJSON } from "node:module";

/**
 * The path of @cairn/node's package.json: the nearest one above this module, whether it
 * runs from src/ or compiled, from dist/src/. Files the package reads beside its sources
 * (the version, the repository's dev accounts) are found from it.
 */
export const NODE_PACKAGE_JSON: string = (() => {
  const path = findPackageJSON("..", import.meta.url);
  if (path === undefined) throw new Error("@cairn/node's package.json was not found");
  return path;
})();
