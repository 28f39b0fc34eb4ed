// Bundles the CPI (actions and operator commands included) into one file that runs with plain
// `node dist/cpi.js` from any directory, with no node_modules beside it.
import { mkdirSync, writeFileSync } from "node:fs";
import { bundle, withCodeCache } from "./bundle.mjs";

mkdirSync("dist", { recursive: true });
const [info, full] = await Promise.all([bundle("src/main.ts", { infoOnly: true }), bundle("src/main.ts")]);
writeFileSync("dist/cpi.js", withCodeCache({ info, full }));
// The registry server (release job `registry`): long-running, so no code-cache bootstrap.
writeFileSync("dist/registry.js", await bundle("src/registry/main.ts"));
// The repository is "type": "module"; the bundle is CommonJS wherever it is copied to.
writeFileSync("dist/package.json", '{ "type": "commonjs" }\n');
