// How the CPI is bundled (scripts/build.mjs writes the files): esbuild options, the `info` variant, and
// the code-cache wrapper of dist/cpi.js. A module of its own so the tests can bundle the same way.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";
import { build } from "esbuild";
import { infoLoaders, lazyPinoStreams, zodEnglishOnly } from "./bundle-plugins.mjs";

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

/** One bundle as text; `infoOnly` builds the variant that holds info's action alone (bundle-plugins.mjs). */
export async function bundle(entry, { infoOnly = false } = {}) {
  const plugins = infoOnly ? [...ESBUILD_OPTIONS.plugins, infoLoaders] : ESBUILD_OPTIONS.plugins;
  const out = await build({ ...ESBUILD_OPTIONS, plugins, entryPoints: [entry] });
  const text = out.outputFiles[0].text;
  if (/\bimport\(/.test(text)) throw new Error(`${entry}: the bundle still contains import(), which the code-cache bootstrap cannot run`);
  return text;
}

/**
 * scripts/cpi-bootstrap.cjs followed by each bundle in a comment of its own. `info` (run for info, before
 * nearly every call) is written as it is: esbuild's output is ASCII, so "\x01" never occurs and can
 * stand in the "*\/" that would end the comment. The others are brotli-compressed and base64-encoded:
 * a third of the bytes for node to read and skip on every start.
 */
export function withCodeCache(bundles) {
  const payloads = {};
  let comments = "";
  for (const [name, bundleText] of Object.entries(bundles)) {
    if (/[^\n\t\x20-\x7e]/.test(bundleText)) throw new Error(`the ${name} bundle is not plain ASCII; the bootstrap reads it as latin1`);
    // node:module's Module.wrap, done here so the bootstrap compiles a slice of its file as it is
    const text = `(function (exports, require, module, __filename, __dirname) { ${bundleText}\n});`;
    const id = createHash("sha256").update(text).digest("hex").slice(0, 16);
    let body;
    if (name === "info") {
      // offsets in the written comment, where each earlier escape added a character
      const escaped = [...text.matchAll(/\*\//g)].map((m, k) => m.index + k);
      body = text.replaceAll("*/", "*\x01/");
      payloads[name] = { id, length: body.length, escaped };
    } else {
      body = brotliCompressSync(Buffer.from(text, "latin1"), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).toString("base64");
      payloads[name] = { id, length: body.length, brotli: true };
    }
    comments += `/*__${name.toUpperCase()}__\n${body}*/\n`;
  }
  const bootstrap = readFileSync(new URL("./cpi-bootstrap.cjs", import.meta.url), "utf8").replace("__PAYLOADS__", JSON.stringify(payloads));
  // one character outside ASCII and node decodes the whole file into a two-byte string
  if (/[^\n\t\x20-\x7e]/.test(bootstrap)) throw new Error("scripts/cpi-bootstrap.cjs must be plain ASCII");
  return bootstrap + comments;
}
