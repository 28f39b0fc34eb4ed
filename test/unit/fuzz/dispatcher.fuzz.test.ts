// ≥ 10 000 bad requests through the dispatcher in process (fast-check, fixed seeds, plus the hand-written
// corpus). Every answer is one {result, error, log} document with a typed error and a bounded time.
// Requests that are malformed must never build services; well-formed but impossible ones must be refused
// before the real services send a single request to Ironic or WebDAV (fake servers record every request).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ServicesFactory } from "../../../src/protocol/dispatch.ts";
import { CloudError } from "../../../src/protocol/errors.ts";
import type { Response } from "../../../src/protocol/envelope.ts";
import type { Services } from "../../../src/services/services.ts";
import { testConfig } from "../../support/config.ts";
import { type FakeHttp, loadFixture, startFakeHttp } from "../../support/fake-http.ts";
import { dispatchInProcess } from "../../support/log-capture.ts";
import { SECRETS } from "../../support/secrets.ts";
import { loadCorpus } from "./corpus.ts";
import {
  type BadCase,
  anyRequest,
  badArguments,
  badEnvelope,
  badOverlay,
  badText,
  semanticRequest,
} from "./requests.ts";
import { wireProblems } from "./wire.ts";

/** One in-process call may take this long at most (a 1 MiB body, 100 000 nesting levels included). */
const BOUND_MS = 3_000;
const SEED = 20261121;
const figures = new Map<string, number>();
const count = (what: string, n = 1) => figures.set(what, (figures.get(what) ?? 0) + n);

let servicesBuilt = 0;
/** Services that record being built and fail every use: the in-process runs never reach a server. */
const recordingServices: ServicesFactory = async () => {
  servicesBuilt++;
  const service = new Proxy(
    {},
    {
      get: (_t, key) =>
        key === "then"
          ? undefined
          : async () => {
              throw new CloudError(`fuzz: no backend behind ${String(key)}`);
            },
    },
  );
  return new Proxy({} as Services, {
    get: (_t, key) => (key === "close" ? async () => {} : key === "then" ? undefined : service),
  });
};

const CONFIG = testConfig();

function checkCommon(c: { label?: string; name?: string; raw: string }, r: Response, ms: number): void {
  const what = c.label ?? c.name;
  expect(wireProblems(r), what).toEqual([]);
  expect(ms, `${what}: ${ms.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
  // no request may reach Object.prototype, whatever its keys
  expect(({} as Record<string, unknown>)["polluted"], what).toBeUndefined();
  expect(JSON.stringify(r)).not.toContain(SECRETS.testConfigStorePassword);
}

async function inProcess(c: BadCase): Promise<Response> {
  const before = servicesBuilt;
  const t0 = performance.now();
  const r = await dispatchInProcess(c.raw, { config: CONFIG, services: recordingServices }, "fuzz in-process");
  checkCommon(c, r, performance.now() - t0);
  if (c.expect === "reject") {
    expect(r.error?.type, c.label).toMatch(/^Bosh::Clouds::(CpiError|NotImplemented)$/);
    expect(servicesBuilt - before, `${c.label}: services were built for a malformed request`).toBe(0);
  }
  count(`in-process ${c.expect}`);
  return r;
}

const runs = (arb: fc.Arbitrary<BadCase>, numRuns: number, seed: number) =>
  fc.assert(
    fc.asyncProperty(arb, async (c) => void (await inProcess(c))),
    { numRuns, seed, endOnFailure: true },
  );

describe("in process, services recorded", () => {
  test("text that is not a JSON object", () => runs(badText, 1500, SEED), 120_000);
  test("envelopes that are not a BOSH request", () => runs(badEnvelope, 2000, SEED + 1), 120_000);
  test("one wrong argument, or too few, for every method", () => runs(badArguments, 4000, SEED + 2), 300_000);
  test("configuration overlays in the context", () => runs(badOverlay, 500, SEED + 3), 120_000);
  test("anything in any argument of any method", () => runs(anyRequest, 1500, SEED + 4), 120_000);
  test("semantic mistakes answer typed errors", () => runs(semanticRequest, 500, SEED + 5), 120_000);

  test.each(loadCorpus().filter((c) => c.where === "both"))(
    "corpus $file: $name",
    async (c) => {
      // semantic cases reach the recording services here; their "no request" is checked below
      const r = await inProcess({
        label: `${c.file}: ${c.name}`,
        raw: c.raw,
        expect: c.expect === "semantic" ? "any" : c.expect,
      });
      if (c.expect !== "semantic" && c.type) expect(r.error?.type).toBe(c.type);
      if (c.expect !== "semantic" && c.message) expect(r.error?.message).toMatch(c.message);
    },
    30_000,
  );
});

describe("in process, real services against recording fake Ironic and WebDAV", () => {
  let ironic: FakeHttp;
  let dav: FakeHttp;
  let config: ReturnType<typeof testConfig>;
  beforeAll(async () => {
    // Ironic answers its version document, so what a request sends after negotiating shows up too
    [ironic, dav] = await Promise.all([
      startFakeHttp({ "GET /": { body: loadFixture("ironic/root.json") } }),
      startFakeHttp(),
    ]);
    config = testConfig({
      ironic: { url: ironic.url, retries: { attempts: 1 } },
      stemcell_store: { url: `${dav.url}/store/`, username: "cpi", password: SECRETS.webdavPassword, retries: 0 },
    });
  });
  afterAll(async () => {
    await Promise.all([ironic?.close(), dav?.close()]);
  });

  const sent = () => ironic.requests.length + dav.requests.length;
  const shown = (from: number) =>
    [
      ...ironic.requests.map((q) => `ironic ${q.method} ${q.url}`),
      ...dav.requests.map((q) => `webdav ${q.method} ${q.url}`),
    ]
      .slice(from)
      .join(", ");

  async function noRequest(c: BadCase & { type?: string; message?: RegExp }): Promise<void> {
    const before = sent();
    const t0 = performance.now();
    const r = await dispatchInProcess(c.raw, { config }, "fuzz real services");
    checkCommon(c, r, performance.now() - t0);
    expect(sent() - before, `${c.label}: sent ${shown(before)}`).toBe(0);
    expect(r.error, `${c.label}: answered ${JSON.stringify(r.result)}`).not.toBeNull();
    const types = c.type
      ? [c.type]
      : c.expect === "reject"
        ? ["Bosh::Clouds::CpiError", "Bosh::Clouds::NotImplemented"]
        : ["Bosh::Clouds::CpiError"];
    if (c.expect !== "any") expect(types, `${c.label}: ${r.error?.type}: ${r.error?.message}`).toContain(r.error?.type);
    if (c.message) expect(r.error?.message).toMatch(c.message);
    count(`real services ${c.expect}`);
  }

  test(
    "well-formed but impossible requests send nothing",
    () => fc.assert(fc.asyncProperty(semanticRequest, noRequest), { numRuns: 600, seed: SEED + 6, endOnFailure: true }),
    300_000,
  );
  test(
    "malformed requests send nothing",
    () =>
      fc.assert(fc.asyncProperty(fc.oneof(badArguments, badEnvelope, badOverlay), noRequest), {
        numRuns: 600,
        seed: SEED + 7,
        endOnFailure: true,
      }),
    300_000,
  );

  test.each(loadCorpus().filter((c) => c.where === "both" && c.expect !== "any"))(
    "corpus $file: $name sends nothing",
    async (c) => {
      await noRequest({
        label: `${c.file}: ${c.name}`,
        raw: c.raw,
        expect: c.expect,
        ...(c.type ? { type: c.type } : {}),
        ...(c.message ? { message: c.message } : {}),
      });
    },
    30_000,
  );
});

afterAll(() => {
  const total = [...figures.values()].reduce((a, b) => a + b, 0);
  const parts = [...figures].map(([k, v]) => `${k} ${v}`).join(", ");
  process.stdout.write(`\nfuzz (in process): ${total} cases through handleRequest — ${parts}\n`);
});
