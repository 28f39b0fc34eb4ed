// How dist/cpi.js is made (scripts/bundle.mjs): the code-cache bootstrap hands V8 the bundle exactly as
// esbuild wrote it, with or without a cache; pino's lazily loaded streams still work when used; zod
// keeps English alone. Small entries bundled the same way and run as separate node processes.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundle, withCodeCache } from "../../scripts/bundle.mjs";

// inside the repository, so the entries resolve pino and zod from its node_modules
const TMP = fileURLToPath(new URL("../../.tmp/", import.meta.url));
mkdirSync(TMP, { recursive: true });
const work = mkdtempSync(join(TMP, "bundle-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
writeFileSync(join(work, "package.json"), '{ "type": "commonjs" }\n');

function run(file: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [file], { env: { ...process.env, ...env }, encoding: "utf8" });
}

describe("the code-cache bootstrap", () => {
  // Each synthetic bundle reports itself, every way "*/" can occur in minified code (which would end
  // the comment that carries it), and the request bytes the bootstrap handed over.
  const program = (name: string) =>
    [
      'const s = ["*/", "a*/b*/", `*/${1}`];',
      "const r = [/\\s*,\\s*/, /[*/]/, /\\/\\*/];",
      'const handed = globalThis[Symbol.for("bosh-ironic-cpi.request")];',
      `process.stdout.write(JSON.stringify({ bundle: "${name}", s, r: r.map(String), f: String(() => "*/"), handed: handed === undefined ? null : { length: handed.length, text: handed.subarray(0, 200).toString() } }));`,
    ].join("\n");
  const file = join(work, "cpi.js");
  writeFileSync(file, withCodeCache({ info: program("info"), full: program("full") }));
  const cacheHome = mkdtempSync(join(work, "tmp-"));
  const call = (input: string | Buffer, args: string[] = [], env: Record<string, string> = {}) =>
    JSON.parse(execFileSync(process.execPath, [file, ...args], { input, env: { ...process.env, TMPDIR: cacheHome, ...env }, encoding: "utf8" })) as {
      bundle: string; s: string[]; r: string[]; f: string; handed: { length: number; text: string } | null;
    };
  const expected = JSON.parse(execFileSync(process.execPath, ["-e", program("x")], { encoding: "utf8" })) as { s: string[]; r: string[]; f: string };
  const info = JSON.stringify({ method: "info", arguments: [], context: {} });

  it("runs the info bundle for info, as written, and hands it the request", () => {
    const got = call(info, ["--config", "c.json"]);
    expect(got).toMatchObject({ bundle: "info", s: expected.s, r: expected.r, f: expected.f, handed: { length: info.length, text: info } });
  });

  it("runs the full bundle, decompressed, for every other method, for what is not a request, and for commands", () => {
    const other = JSON.stringify({ method: "create_vm", arguments: [], context: {} });
    expect(call(other)).toMatchObject({ bundle: "full", s: expected.s, r: expected.r, f: expected.f, handed: { text: other } });
    expect(call("not json")).toMatchObject({ bundle: "full", handed: { text: "not json" } });
    expect(call('{"method": ["info"]}')).toMatchObject({ bundle: "full" });
    // an operator command reads its own input
    expect(call(info, ["check-config"])).toMatchObject({ bundle: "full", handed: null });
  });

  it("waits out a non-blocking stdin whose writer is slow (EAGAIN) and still routes info to the info bundle", () => {
    const parent = [
      "import os, subprocess, sys, time",
      "r, w = os.pipe()",
      "os.set_blocking(r, False)  # shared with the child's stdin",
      "p = subprocess.Popen(sys.argv[1:3], stdin=r, stdout=subprocess.PIPE, env={**os.environ, 'TMPDIR': sys.argv[4]})",
      "os.close(r)",
      "time.sleep(0.3)",
      "os.write(w, sys.argv[3].encode())",
      "os.close(w)",
      "sys.stdout.write(p.communicate()[0].decode())",
    ].join("\n");
    const out = execFileSync("python3", ["-c", parent, process.execPath, file, info, cacheHome], { encoding: "utf8" });
    expect(JSON.parse(out)).toMatchObject({ bundle: "info", handed: { text: info } });
  });

  it("stops reading one byte past the request limit, so the CPI can say the request is too large", () => {
    const big = Buffer.alloc(1024 * 1024 + 1000, "x"); // the rest fits in the pipe: no EPIPE for the writer
    expect(call(big)).toMatchObject({ bundle: "full", handed: { length: 1024 * 1024 + 1 } });
  });

  it("keeps one code cache per bundle and runs the same without one", () => {
    const dirs = readdirSync(cacheHome);
    expect(dirs).toEqual([`bosh-ironic-cpi-v8-${process.getuid!()}`]);
    expect(readdirSync(join(cacheHome, dirs[0]!))).toHaveLength(2);
    expect(call(info)).toMatchObject({ bundle: "info", s: expected.s });
    expect(call(info, [], { BOSH_IRONIC_CPI_NO_CODE_CACHE: "1" })).toMatchObject({ bundle: "info", s: expected.s });
  });

  it("refuses a bundle that is not plain ASCII", () => {
    expect(() => withCodeCache({ info: 'const s = "\u00e9";' })).toThrow(/not plain ASCII/);
  });
});

describe("the info bundle", () => {
  it("holds the protocol, configuration and logging, and none of the actions, services or HTTP clients", async () => {
    const [info, full] = await Promise.all([bundle("src/main.ts", { infoOnly: true }), bundle("src/main.ts")]);
    for (const text of [info, full]) expect(text).toContain("stemcell_formats"); // config schema, info's answer
    // got, the webdav client, the VM service, the ISO9660 writer
    for (const marker of ["ERR_NON_2XX_3XX_RESPONSE", "PROPFIND", "node already deployed for this agent_id", "CD001"]) {
      expect(full.includes(marker), `full bundle holds ${marker}`).toBe(true);
      expect(info.includes(marker), `info bundle holds ${marker}`).toBe(false);
    }
    expect(info.length).toBeLessThan(full.length / 4);
  });
});

describe("bundle plugins", () => {
  it("pino's file destination and instanceof checks still work with sonic-boom loaded on first use", async () => {
    const entry = join(work, "pino-entry.cjs");
    const out = join(work, "pino.log");
    writeFileSync(entry, `
      const pino = require("pino");
      const dest = pino.destination({ dest: ${JSON.stringify(out)}, sync: true });
      const log = pino(dest);
      log.info({ n: 1 }, "through sonic-boom");
      const viaOptions = pino({}, dest);
      viaOptions.info("again");
      process.stdout.write(JSON.stringify({ lines: require("node:fs").readFileSync(${JSON.stringify(out)}, "utf8").trim().split("\\n").map((l) => JSON.parse(l).msg) }));
    `);
    const file = join(work, "pino-bundle.js");
    writeFileSync(file, await bundle(entry));
    expect(JSON.parse(run(file))).toMatchObject({ lines: ["through sonic-boom", "again"] });
  });

  it("a pino logger with its own destination loads neither sonic-boom's nor thread-stream's Node machinery", async () => {
    const entry = join(work, "pino-light.cjs");
    writeFileSync(entry, `
      const pino = require("pino");
      pino({}, { write: () => {} }).info("x");
      const loaded = (m) => process.moduleLoadList.includes("NativeModule " + m);
      const out = JSON.stringify(["worker_threads", "assert", "stream"].filter(loaded)); // before stdout loads streams
      process.stdout.write(out);
    `);
    const file = join(work, "pino-light.js");
    writeFileSync(file, await bundle(entry));
    expect(JSON.parse(run(file))).toEqual([]);
  });

  it("zod answers as unbundled, with only the English locale left", async () => {
    const entry = join(work, "zod-entry.mjs");
    writeFileSync(entry, `
      import * as z from "zod/mini";
      import { z as classic } from "zod";
      const messages = [z.string().safeParse(1), classic.string().safeParse(1), z.strictObject({ a: z.int() }).safeParse({ a: 1.5, b: 1 })].map((r) => r.error.issues.map((i) => i.message));
      const out = JSON.stringify({ mini: Object.keys(z.locales), classic: Object.keys(classic.locales), messages });
      process.stdout.write(out);
    `);
    const file = join(work, "zod-bundle.js");
    writeFileSync(file, await bundle(entry));
    const unbundled = JSON.parse(run(entry)) as { mini: string[]; messages: string[][] };
    expect(unbundled.mini).toContain("de");
    expect(JSON.parse(run(file))).toEqual({ mini: ["en"], classic: ["en"], messages: unbundled.messages });
  });
});
