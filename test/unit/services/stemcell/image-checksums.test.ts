import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Config } from "../../../../src/config/schema.ts";
import { OS_HASH_ALONE_SINCE, serverNeedsMd5 } from "../../../../src/ironic/microversions.ts";
import { ironicNeedsMd5 as askIronic } from "../../../../src/services/stemcell/image-checksums.ts";
import { connectIronic } from "../../../../src/wiring.ts";
import type { Config as ConfigT } from "../../../../src/config/schema.ts";
import type { Logger } from "../../../../src/log/index.ts";

/** As the composition root asks: one quick GET / of the configured Ironic. */
const ironicNeedsMd5 = (config: ConfigT, log: Logger) =>
  askIronic(() => connectIronic(config, log, { quick: true }), log);
import { type FakeHttp, startFakeHttp } from "../../../support/fake-http.ts";
import { testConfig } from "../../../support/config.ts";

let fake: FakeHttp | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const root = (max: string) => ({ default_version: { id: "v1", min_version: "1.1", version: max }, versions: [] });
const configFor = (url: string, max?: string) =>
  Config.parse(testConfig({ ironic: { url, ...(max ? { max_api_version: max } : {}) } }));

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: pino({ level: "debug" }, { write: (l: string) => void lines.push(JSON.parse(l)) }) };
}

describe("serverNeedsMd5", () => {
  it.each([
    ["1.46", true],
    ["1.58", true], // Stein
    ["1.64", true],
    [OS_HASH_ALONE_SINCE, false], // Ussuri
    ["1.82", false],
    ["1.99", false],
  ])("server max %s → %s", (max, needed) => {
    expect(serverNeedsMd5({ max })).toBe(needed);
  });
});

describe("ironicNeedsMd5 (create_stemcell asks once, with one GET /)", () => {
  it("an Ironic before Ussuri needs md5", async () => {
    fake = await startFakeHttp();
    fake.on("GET /", { body: root("1.58") });
    expect(await ironicNeedsMd5(configFor(fake.url), capture().log)).toBe(true);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /"]);
  });

  it("a current Ironic checks sha256 alone, whatever max_api_version caps the client at", async () => {
    fake = await startFakeHttp();
    fake.on("GET /", { body: root("1.82") });
    expect(await ironicNeedsMd5(configFor(fake.url), capture().log)).toBe(false);
    expect(await ironicNeedsMd5(configFor(fake.url, "1.50"), capture().log)).toBe(false);
  });

  it("an Ironic that cannot answer gets md5 as well, after one attempt, and the log says why", async () => {
    fake = await startFakeHttp();
    fake.on("GET /", { status: 503, body: { error_message: '{"faultstring": "down"}' } });
    const { lines, log } = capture();
    expect(await ironicNeedsMd5(configFor(fake.url), log)).toBe(true);
    expect(fake.calls("GET /")).toHaveLength(1); // no retries: the safe default is at hand
    expect(lines.find((l) => /computing md5 as well/.test(String(l["msg"])))).toBeDefined();
  });
});
