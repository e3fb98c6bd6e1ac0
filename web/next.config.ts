import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

/** The repository root: the workspaces' sources and the hoisted node_modules live under it. */
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

const nextConfig: NextConfig = {
  // @cairn/node (core, generated contracts) and @cairn/subgraph (Graph Client) ship
  // TypeScript sources with `.ts` import extensions, not built JavaScript.
  transpilePackages: ["@cairn/node", "@cairn/subgraph"],
  // Lets the bundler follow the workspace symlinks and the root lockfile out of web/.
  turbopack: {
    root: REPO_ROOT,
    // The Graph Client SDK (subgraph/.graphclient, generated) imports these type-only
    // packages as values; they contain no JavaScript to bundle.
    resolveAlias: {
      "@graphql-typed-document-node/core": "./src/lib/type-only-module.ts",
    },
  },
  outputFileTracingRoot: REPO_ROOT,
  reactStrictMode: true,
  // The e2e test serves its own copy, so it never fights a developer's `next dev` over .next/.
  distDir: process.env.CAIRN_WEB_DIST_DIR ?? ".next",
  // The e2e test and `npm start` reach the dev server as 127.0.0.1, not localhost.
  allowedDevOrigins: ["127.0.0.1"],
};

export default nextConfig;
