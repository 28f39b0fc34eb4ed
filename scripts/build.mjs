// Bundles the CPI (actions and operator commands included) into one file that runs with plain
// `node dist/cpi.js` from any directory, with no node_modules beside it.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  write: false,
};

/**
 * scripts/cpi-bootstrap.cjs followed by the bundle in a trailing comment; the bootstrap compiles it
 * with a V8 code cache. esbuild's output is ASCII, so "\x01" never occurs and can stand in the "*\/"
 * that would end the comment.
 */
function withCodeCache(bundle) {
  if (/[^\n\t\x20-\x7e]/.test(bundle)) throw new Error("the bundle is not plain ASCII; the comment payload needs it");
  const id = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
  const bootstrap = readFileSync(new URL("./cpi-bootstrap.cjs", import.meta.url), "utf8");
  return `${bootstrap.replace("__BUNDLE_ID__", JSON.stringify(id))}/*__BUNDLE__\n${bundle.replaceAll("*/", "*\x01/")}*/\n`;
}

async function bundle(entry) {
  const out = await build({ ...common, entryPoints: [entry] });
  const text = out.outputFiles[0].text;
  if (/\bimport\(/.test(text)) throw new Error(`${entry}: the bundle still contains import(), which the code-cache bootstrap cannot run`);
  return text;
}

mkdirSync("dist", { recursive: true });
writeFileSync("dist/cpi.js", withCodeCache(await bundle("src/main.ts")));
// The registry server (release job `registry`): long-running, so no code-cache bootstrap.
writeFileSync("dist/registry.js", await bundle("src/registry/main.ts"));
// The repository is "type": "module"; the bundle is CommonJS wherever it is copied to.
writeFileSync("dist/package.json", '{ "type": "commonjs" }\n');
