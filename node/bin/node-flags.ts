/**
 * The V8 flags a node runs with. The `cairn` shebang (bin/cairn.ts) carries the same ones,
 * which a test checks, and launchers that start `dist/bin/cairn.js` with `process.execPath`
 * (`npm start`, `npm run bench:data`) pass these.
 *
 * Semi-spaces of 8 MiB, against V8's default of up to 16: an upload's ArrayBuffers (request
 * chunks, blocks, stripes) are freed only when their small JS wrappers are collected, and a
 * smaller young generation collects them sooner. Measured with 1 GiB uploads through the
 * REST API (docs/data.md): peak RSS 273 to 284 MiB against 284 to 305, at the same
 * throughput. At 4 MiB the exchange's throughput fell by 5 to 12%; at 8 it did not move.
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8"];
