// dist/cpi.js = this bootstrap + two esbuild bundles in trailing comments: `info`, only what the info
// method needs, as it is, and `full`, the whole CPI, brotli-compressed and base64-encoded. The director
// starts one process per CPI call, info before nearly every one, so startup is the hot path. This reads
// the request, runs the info bundle for info and the full one for everything else (operator commands
// included), and compiles it with a V8 code cache kept in a private per-user directory, so later
// processes skip parsing and compiling. The request's bytes are handed over (src/main.ts: requestText).
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const vm = require("node:vm");

/**
 * name: { id: hash of the bundle, length: characters in its comment, and either `escaped`: offsets of
 * the "*\/" written as "*\x01/" so the comment holds, or `brotli`: base64 of the compressed bundle }.
 * Written by scripts/bundle.mjs.
 */
const PAYLOADS = __PAYLOADS__;
/** One byte more than src/main.ts's MAX_REQUEST_BYTES: enough to tell a request that is too large. */
const READ_LIMIT = 1024 * 1024 + 1;
const HANDED_OVER = Symbol.for("bosh-ironic-cpi.request");

/** stdin up to READ_LIMIT bytes, as src/stdio.ts readAll reads it (a parent may hand over a non-blocking pipe). */
function readRequest() {
  const chunks = [];
  let size = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  while (size < READ_LIMIT) {
    let n;
    try {
      n = fs.readSync(0, buf, 0, Math.min(buf.length, READ_LIMIT - size), null);
    } catch (e) {
      if (e.code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (e.code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    size += n;
  }
  return Buffer.concat(chunks);
}

function isInfo(request) {
  if (request.length >= READ_LIMIT) return false;
  try {
    return JSON.parse(request.toString("utf8"))?.method === "info";
  } catch {
    return false; // the full bundle answers what is wrong with it
  }
}

/**
 * A bundle, read back from its comment in this file (a string literal would cost a full scan with
 * escapes at every start). Its marker follows this short bootstrap, so indexOf is cheap; a slice is a
 * view, so without escapes V8 compiles the file's own text. zlib (and with it Node's streams) loads
 * for `full` alone.
 */
function bundleSource(name) {
  const p = PAYLOADS[name];
  const text = fs.readFileSync(__filename, "latin1");
  const marker = `/*__${name.toUpperCase()}__\n`;
  const start = text.indexOf(marker) + marker.length;
  if (p.brotli) return require("node:zlib").brotliDecompressSync(Buffer.from(text.slice(start, start + p.length), "base64")).toString("latin1");
  let source = "";
  let from = start;
  for (const at of p.escaped) {
    source += `${text.slice(from, start + at)}*/`;
    from = start + at + 3;
  }
  return source + text.slice(from, start + p.length);
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

function run(name) {
  let file;
  let cachedData;
  try {
    const dir = cacheDir();
    file = dir && path.join(dir, `${PAYLOADS[name].id}-${process.version}-${process.arch}.bin`);
    if (file) cachedData = fs.readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  // the build wrapped each bundle as Module.wrap would: a slice of the file is the script, no copy
  const script = new vm.Script(bundleSource(name), { filename: __filename, cachedData });
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
}

// A request is read here only where src/cli.ts would read one: no command word, no --help, and stdin not
// a terminal (main.ts prints the usage there; a character device is left to main.ts to read).
function wantsRequest(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help" || !a.startsWith("-")) return false;
    if (a === "--config" || a === "--input" || a === "--out") i++;
  }
  try {
    return !fs.fstatSync(0).isCharacterDevice();
  } catch {
    return false;
  }
}

let bundle = "full";
if (wantsRequest(process.argv.slice(2))) {
  let request;
  try {
    request = readRequest();
  } catch {
    request = undefined; // the full bundle reads again and reports the error
  }
  if (request !== undefined) {
    globalThis[HANDED_OVER] = request;
    if (isInfo(request)) bundle = "info";
  }
}
run(bundle);
