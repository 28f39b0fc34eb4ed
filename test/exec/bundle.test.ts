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
  // every way "*/" can occur in minified code, which would end the comment that carries the bundle
  const source = [
    'const s = ["*/", "a*/b*/", `*/${1}`];',
    "const r = [/\\s*,\\s*/, /[*/]/, /\\/\\*/];",
    "process.stdout.write(JSON.stringify({ s, r: r.map(String), f: String(() => \"*/\") }));",
  ].join("\n");
  const expected = JSON.parse(execFileSync(process.execPath, ["-e", source], { encoding: "utf8" })) as unknown;

  it("runs the bundle as written, first building the cache, then from it, or without one", () => {
    const file = join(work, "cpi.js");
    writeFileSync(file, withCodeCache(source));
    const cacheHome = mkdtempSync(join(work, "tmp-"));
    const env = { TMPDIR: cacheHome };
    expect(JSON.parse(run(file, env))).toEqual(expected);
    const dirs = readdirSync(cacheHome);
    expect(dirs).toEqual([`bosh-ironic-cpi-v8-${process.getuid!()}`]);
    expect(readdirSync(join(cacheHome, dirs[0]!))).toHaveLength(1);
    expect(JSON.parse(run(file, env))).toEqual(expected);
    expect(JSON.parse(run(file, { ...env, BOSH_IRONIC_CPI_NO_CODE_CACHE: "1" }))).toEqual(expected);
  });

  it("refuses a bundle that is not plain ASCII", () => {
    expect(() => withCodeCache('const s = "é";')).toThrow(/not plain ASCII/);
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
