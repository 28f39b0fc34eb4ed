// A sample of ≥ 300 bad requests through `node dist/cpi.js`, the way the director runs it: every one
// must exit 0 with exactly one JSON document on stdout carrying a typed error, within a bound, and send
// nothing to Ironic or WebDAV (recording fake servers stand in for both). The whole corpus runs, plus a
// fixed-seed sample of the in-process generators.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testConfig } from "../support/config.ts";
import { runCpi } from "../support/cpi-process.ts";
import { type FakeHttp, loadFixture, startFakeHttp } from "../support/fake-http.ts";
import { writeConfig } from "../support/lifecycle-config.ts";
import { SECRETS } from "../support/secrets.ts";
import { loadCorpus } from "../unit/fuzz/corpus.ts";
import {
  type BadCase,
  badArguments,
  badEnvelope,
  badOverlay,
  badText,
  semanticRequest,
} from "../unit/fuzz/requests.ts";
import { wireProblems } from "../unit/fuzz/wire.ts";

/** One CPI process, cold start included, on a loaded 2-CPU machine. */
const BOUND_MS = 10_000;
const CONCURRENCY = 4;
const SEED = 20261122;

interface ExecCase extends BadCase {
  type?: string;
  message?: RegExp;
}

let ironic: FakeHttp;
let dav: FakeHttp;
let configPath: string;
const figures = { cases: 0, rejected: 0, semantic: 0, any: 0, slowest: 0 };

beforeAll(async () => {
  [ironic, dav] = await Promise.all([
    startFakeHttp({ "GET /": { body: loadFixture("ironic/root.json") } }),
    startFakeHttp(),
  ]);
  const config = testConfig({
    ironic: { url: ironic.url, retries: { attempts: 1 } },
    stemcell_store: { url: `${dav.url}/store/`, username: "cpi", password: SECRETS.webdavPassword, retries: 0 },
  });
  configPath = writeConfig(mkdtempSync(join(tmpdir(), "cpi-fuzz-")), config);
});

afterAll(async () => {
  await Promise.all([ironic?.close(), dav?.close()]);
  process.stdout.write(
    `\nfuzz (dist/cpi.js): ${figures.cases} cases — ${figures.rejected} malformed, ${figures.semantic} impossible, ${figures.any} other; slowest ${figures.slowest} ms\n`,
  );
});

const sent = () => ironic.requests.length + dav.requests.length;
const shown = () =>
  [
    ...ironic.requests.map((q) => `ironic ${q.method} ${q.url}`),
    ...dav.requests.map((q) => `webdav ${q.method} ${q.url}`),
  ].join(", ");

async function runOne(c: ExecCase): Promise<string[]> {
  const t0 = performance.now();
  const run = await runCpi(c.raw, { configPath, killAfterMs: BOUND_MS * 3 });
  const ms = Math.round(performance.now() - t0);
  figures.cases++;
  figures[c.expect === "reject" ? "rejected" : c.expect]++;
  figures.slowest = Math.max(figures.slowest, ms);
  const problems: string[] = [];
  if (run.signal || run.code !== 0) problems.push(`exit ${run.code ?? run.signal}`);
  if (ms > BOUND_MS) problems.push(`took ${ms} ms`);
  const lines = run.stdout.split("\n").filter((l) => l !== "");
  if (lines.length !== 1 || !run.stdout.endsWith("\n")) problems.push(`stdout has ${lines.length} lines`);
  let doc: { error?: { type?: string; message?: string } | null } | undefined;
  try {
    doc = JSON.parse(lines[0] ?? "");
  } catch {
    problems.push("stdout is not JSON");
  }
  if (doc) {
    problems.push(...wireProblems(doc));
    if (c.expect !== "any" && !doc.error) problems.push("no error for a bad request");
    const allowed = c.type
      ? [c.type]
      : c.expect === "reject"
        ? ["Bosh::Clouds::CpiError", "Bosh::Clouds::NotImplemented"]
        : ["Bosh::Clouds::CpiError"];
    if (c.expect !== "any" && doc.error && !allowed.includes(String(doc.error.type)))
      problems.push(`type ${doc.error.type}: ${doc.error.message}`);
    if (c.message && doc.error && !c.message.test(String(doc.error.message)))
      problems.push(`message '${doc.error.message}' does not match ${c.message}`);
  }
  return problems.map((p) => `${c.label}: ${p}`);
}

/** Runs the cases CONCURRENCY at a time; returns every problem found. */
async function runAll(cases: ExecCase[]): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) problems.push(...(await runOne(cases[next++]!)));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return problems;
}

const corpus: ExecCase[] = loadCorpus().map((c) => ({
  label: `${c.file}: ${c.name}`,
  raw: c.raw,
  expect: c.expect,
  ...(c.type ? { type: c.type } : {}),
  ...(c.message ? { message: c.message } : {}),
}));
const sample = (arb: fc.Arbitrary<BadCase>, n: number, seed: number) => fc.sample(arb, { numRuns: n, seed });

describe("dist/cpi.js under bad input", () => {
  test("malformed requests: one typed error each, exit 0, nothing sent", async () => {
    const cases = [
      ...corpus.filter((c) => c.expect === "reject"),
      ...sample(badText, 40, SEED),
      ...sample(badEnvelope, 50, SEED + 1),
      ...sample(badArguments, 90, SEED + 2),
      ...sample(badOverlay, 20, SEED + 3),
    ];
    const before = sent();
    const problems = await runAll(cases);
    expect(problems).toEqual([]);
    expect(sent() - before, `requests sent for malformed input: ${shown()}`).toBe(0);
  }, 600_000);

  test("well-formed but impossible requests: a CpiError before any request", async () => {
    // one at a time, so a request that reaches a fake server is pinned on its case
    const problems: string[] = [];
    for (const c of [...corpus.filter((k) => k.expect === "semantic"), ...sample(semanticRequest, 40, SEED + 4)]) {
      const before = sent();
      problems.push(...(await runOne(c)));
      if (sent() > before)
        problems.push(`${c.label}: sent ${[...ironic.requests, ...dav.requests].length - before} request(s)`);
    }
    expect(problems).toEqual([]);
  }, 600_000);

  test("requests without an expectation still get one well-formed answer", async () => {
    expect(await runAll(corpus.filter((c) => c.expect === "any"))).toEqual([]);
  }, 120_000);

  test("the figure: at least 300 cases ran through the executable", () => {
    expect(figures.cases).toBeGreaterThanOrEqual(300);
  });
});
