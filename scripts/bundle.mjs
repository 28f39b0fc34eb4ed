// How the CPI is bundled (scripts/build.mjs writes the files): esbuild options, and the code-cache
// wrapper of dist/cpi.js. A module of its own so the tests can bundle small entries the same way.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { lazyPinoStreams, zodEnglishOnly } from "./bundle-plugins.mjs";

export const ESBUILD_OPTIONS = {
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
  plugins: [lazyPinoStreams, zodEnglishOnly],
};

/** One bundle as text; refuses import(), which the code-cache bootstrap cannot run. */
export async function bundle(entry) {
  const out = await build({ ...ESBUILD_OPTIONS, entryPoints: [entry] });
  const text = out.outputFiles[0].text;
  if (/\bimport\(/.test(text)) throw new Error(`${entry}: the bundle still contains import(), which the code-cache bootstrap cannot run`);
  return text;
}

/**
 * scripts/cpi-bootstrap.cjs followed by the bundle in a trailing comment; the bootstrap compiles it
 * with a V8 code cache. esbuild's output is ASCII, so "\x01" never occurs and can stand in the "*\/"
 * that would end the comment; the bootstrap gets their offsets rather than searching for them.
 */
export function withCodeCache(bundleText) {
  if (/[^\n\t\x20-\x7e]/.test(bundleText)) throw new Error("the bundle is not plain ASCII; the comment payload needs it");
  const id = createHash("sha256").update(bundleText).digest("hex").slice(0, 16);
  // offsets in the written payload, where each earlier escape added a character
  const escaped = [...bundleText.matchAll(/\*\//g)].map((m, k) => m.index + k);
  const bootstrap = readFileSync(new URL("./cpi-bootstrap.cjs", import.meta.url), "utf8")
    .replace("__BUNDLE_ID__", JSON.stringify(id))
    .replace("__ESCAPED__", JSON.stringify(escaped));
  return `${bootstrap}/*__BUNDLE__\n${bundleText.replaceAll("*/", "*\x01/")}*/\n`;
}
