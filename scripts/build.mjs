// Builds dist/ (`npm run build`): the CPI (dist/cpi.js) and the registry job's server (dist/registry.js)
// in one esbuild build with code splitting. Each action, command and the services sit in chunks of
// their own behind src/protocol/loaders.ts, so a call loads only what its method uses: `info` (sent
// before nearly every call) loads no HTTP client and no service. The files run with plain
// `node dist/cpi.js` from any directory, with no node_modules beside them.
import { rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/**
 * Node's modules through require(), as CommonJS code gets them. An ES module `import` of one makes
 * Node build a facade that reads every export, and node:fs's lazy ReadStream getter then loads the
 * whole streams stack: ~8 ms of every call, measured on the release's Node 24.
 */
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(b) {
    const names = builtinModules.map((m) => m.replace(/[/]/g, "\\/")).join("|");
    b.onResolve({ filter: new RegExp(`^(node:.*|${names})$`) }, (args) =>
      args.namespace === "builtin" ? undefined : { path: args.path, namespace: "builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/** Builds both entries into `outdir` (emptied first). */
export async function buildInto(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: REPO,
    entryPoints: { cpi: "src/main.ts", registry: "src/registry/main.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunks/[name]-[hash]",
    legalComments: "none",
    // Errors are named by their class (src/errors.ts): bundling must not rename a class to avoid a clash.
    keepNames: true,
    logLevel: "warning",
    plugins: [builtinsByRequire],
    // pino and yaml ship CommonJS that require()s Node's modules; an ES module has no require.
    banner: { js: 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);' },
  });
  // The repository's package.json says "type": "module" too; dist/ must say it wherever it is copied.
  writeFileSync(`${outdir}/package.json`, '{ "type": "module" }\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildInto(`${REPO}dist`);
}
