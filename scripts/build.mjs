// Bundles the CPI (actions and operator commands included) into one file that runs with plain
// `node dist/cpi.js` from any directory, with no node_modules beside it.
import { mkdirSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  // CJS: esbuild defers evaluating modules reached through import(), so `info` never loads got,
  // webdav or the Ironic client; ESM output would also need a require() shim for got.
  format: "cjs",
  minify: true,
  keepNames: true, // readable class names in stderr stack traces
  legalComments: "none",
  logLevel: "warning",
  sourcemap: false,
};

await build({ ...common, entryPoints: ["src/main.ts"], outfile: "dist/cpi.js" });

// The repository is "type": "module"; the bundle is CommonJS wherever it is copied to.
mkdirSync("dist", { recursive: true });
writeFileSync("dist/package.json", '{ "type": "commonjs" }\n');
