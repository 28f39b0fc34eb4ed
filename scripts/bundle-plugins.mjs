// esbuild plugins that keep startup work out of the bundle. The director starts one process per call
// (info before nearly every one), so what a module does when it is loaded is paid on every call.
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/** Replaces each `from` that occurs exactly once in `text`; anything else means the package changed. */
function patchOnce(text, file, edits) {
  for (const [from, to] of edits) {
    if (text.split(from).length !== 2) throw new Error(`${file}: expected exactly one ${JSON.stringify(from)}; update scripts/bundle-plugins.mjs`);
    text = text.replace(from, to);
  }
  return text;
}

/**
 * pino loads its file destination (sonic-boom) and its worker transports (thread-stream) when it is
 * loaded, and with them assert, worker_threads and Node's stream stack (~3 ms of every call). The CPI
 * always hands pino its own destination, so they are only loaded if ever constructed. `x instanceof`
 * them is false until then: nothing can be an instance of a class that was never loaded. tools.js reads
 * worker_threads.isMainThread only when it builds a sonic-boom, so it asks there.
 */
export const lazyPinoStreams = {
  name: "lazy-pino-streams",
  setup(b) {
    b.onResolve({ filter: /^(sonic-boom|thread-stream)$/ }, (args) =>
      args.namespace === "lazy-pino-streams" || !/[\\/]node_modules[\\/]pino[\\/]/.test(args.importer)
        ? undefined
        : { path: args.path, namespace: "lazy-pino-streams", pluginData: args.resolveDir },
    );
    b.onLoad({ filter: /[\\/]node_modules[\\/]pino[\\/]lib[\\/]tools\.js$/ }, async (args) => ({
      loader: "js",
      contents: patchOnce(await readFile(args.path, "utf8"), args.path, [
        ["const { isMainThread } = require('worker_threads')\n", ""],
        ["if (!opts.sync && isMainThread) {", "if (!opts.sync && require('worker_threads').isMainThread) {"],
      ]),
    }));
    b.onLoad({ filter: /.*/, namespace: "lazy-pino-streams" }, (args) => ({
      resolveDir: args.pluginData,
      loader: "js",
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy(function () {}, {
  construct: (_, a) => Reflect.construct(load(), a),
  apply: (_, self, a) => Reflect.apply(load(), self, a),
  get: (_, k) => (k === Symbol.hasInstance ? (x) => real !== undefined && x instanceof real : load()[k]),
});`,
    }));
  },
};

/**
 * zod bundles the error messages of ~50 languages (a quarter of the whole CPI bundle) and sets them all
 * up at load time; the CPI only speaks English (zod's default). z.locales keeps `en` alone.
 */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: `${dirname(args.resolveDir)}/locales/index.js`, namespace: "zod-english-only" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      resolveDir: dirname(args.path),
      loader: "js",
      contents: 'export { default as en } from "./en.js";',
    }));
  },
};

/**
 * The `info` bundle: src/protocol/loaders.ts, the only module with dynamic imports (actions, services,
 * commands), becomes loaders-info.ts, which knows info's action alone. The bootstrap runs this bundle
 * for info requests only.
 */
export const infoLoaders = {
  name: "info-loaders",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*loaders\.ts$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return path.endsWith(join("src", "protocol", "loaders.ts")) ? { path: path.replace(/loaders\.ts$/, "loaders-info.ts") } : undefined;
    });
  },
};
