// dist/cpi.js = this bootstrap + the esbuild bundle in a trailing comment. The director starts one
// process per CPI call (info before nearly every one), so startup is the hot path: V8 would re-parse
// the whole bundle each time. Here the bundle is compiled with a code cache kept in a private
// per-user directory, so later processes skip parsing and compiling.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const SOURCE_ID = __BUNDLE_ID__;
/** Offsets in the payload of every "*\/", which the build wrote as "*\x01/" so the comment holds. */
const ESCAPED = __ESCAPED__;
const MARKER = "/*__BUNDLE__\n";

/** The bundle, read back from the comment at the end of this file (a string literal would cost a
 * full scan with escapes at every start). Slices are views, so only the compile copies it once. */
function bundleSource() {
  const text = fs.readFileSync(__filename, "latin1");
  const start = text.indexOf(MARKER) + MARKER.length; // the first: it follows this short bootstrap
  const end = text.lastIndexOf("*/");
  let source = "";
  let from = start;
  for (const at of ESCAPED) {
    source += `${text.slice(from, start + at)}*/`;
    from = start + at + 3;
  }
  return source + text.slice(from, end);
}

function cacheDir() {
  if (process.env.BOSH_IRONIC_CPI_NO_CODE_CACHE === "1" || typeof process.getuid !== "function") return undefined;
  const dir = path.join(os.tmpdir(), `bosh-ironic-cpi-v8-${process.getuid()}`);
  // lstat first: on every call but the first the directory exists, and a failed mkdir costs an Error
  let st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (st === undefined) {
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if (e.code !== "EEXIST") return undefined;
    }
    st = fs.lstatSync(dir);
  }
  // Only trust a directory that is ours and that nobody else can write: a cache is code.
  if (!st.isDirectory() || st.uid !== process.getuid() || (st.mode & 0o022) !== 0) return undefined;
  return dir;
}

let dir;
try {
  dir = cacheDir();
} catch {
  dir = undefined;
}
const file = dir && path.join(dir, `${SOURCE_ID}-${process.version}-${process.arch}.bin`);
let cachedData;
try {
  if (file) cachedData = fs.readFileSync(file);
} catch {
  cachedData = undefined;
}

const script = new vm.Script(Module.wrap(bundleSource()), { filename: __filename, cachedData });
if (file && (cachedData === undefined || script.cachedDataRejected)) {
  // Written at exit so the cache also holds the functions this run compiled lazily.
  process.once("exit", () => {
    try {
      const tmp = `${file}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch {
      /* a cache is an optimisation only */
    }
  });
}
script.runInThisContext().call(module.exports, module.exports, require, module, __filename, __dirname);
