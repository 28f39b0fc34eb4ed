import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { configPathFrom, deepMerge, loadConfigFile, requireConfigPath } from "../../../src/config/load.ts";
import { CpiError } from "../../../src/protocol/errors.ts";
import { testConfig } from "../../support/config.ts";

const dir = mkdtempSync(join(tmpdir(), "cpi-config-"));
const file = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

describe("loadConfigFile", () => {
  test("applies defaults", () => {
    const c = loadConfigFile(file("ok.json", JSON.stringify(testConfig())));
    expect(c.ironic.auth).toEqual({ type: "noauth" });
    expect(c.ironic.insecure).toBe(false);
    expect(c.network.unused_nics).toBe("loopback");
    expect(c.config_drive.max_packed_bytes).toBe(65536);
    expect(c.stemcell_formats).toContain("openstack-raw");
  });

  test("names every offending key path in one error", () => {
    const bad = { ...testConfig(), ironic: { url: "not a url", retries: { attempts: -1 }, extra: true }, agent: {}, surprise: 1 };
    const p = file("bad.json", JSON.stringify(bad));
    expect(() => loadConfigFile(p)).toThrowError(CpiError);
    let message = "";
    try {
      loadConfigFile(p);
    } catch (e) {
      message = (e as Error).message;
    }
    for (const part of ["ironic.url: must be an http(s) URL", "ironic.retries.attempts:", "ironic.extra: unknown key", "agent.mbus: is required", "surprise: unknown key"])
      expect(message).toContain(part);
  });

  test("keystone auth needs its credentials", () => {
    const p = file("ks.json", JSON.stringify({ ...testConfig(), ironic: { url: "https://ironic:6385", auth: { type: "keystone", auth_url: "https://ks/" } } }));
    expect(() => loadConfigFile(p)).toThrow(/ironic\.auth\.username: is required.*ironic\.auth\.password: is required/);
  });

  test("a CA bundle must be PEM", () => {
    const p = file("ca.json", JSON.stringify({ ...testConfig(), ironic: { url: "https://i/", ca_cert: "hello" } }));
    expect(() => loadConfigFile(p)).toThrow(/ironic\.ca_cert: must be a PEM bundle/);
  });

  test("unreadable and invalid files are CpiErrors", () => {
    expect(() => loadConfigFile(join(dir, "missing.json"))).toThrow(/cannot read CPI configuration .*ENOENT/);
    expect(() => loadConfigFile(file("x.json", "{nope"))).toThrow(/is not valid JSON/);
    expect(() => loadConfigFile(file("arr.json", "[]"))).toThrow(/must be a JSON object/);
  });

  test("context overlay merges deeply and is validated", () => {
    const p = file("base.json", JSON.stringify(testConfig()));
    const c = loadConfigFile(p, { ironic: { url: "http://other:6385" }, agent: { ntp: ["10.0.0.2"] } });
    expect(c.ironic.url).toBe("http://other:6385");
    expect(c.agent).toMatchObject({ mbus: "nats://nats:mbus-pass-456@10.0.0.6:4222", ntp: ["10.0.0.2"] });
    expect(() => loadConfigFile(p, { ironic: { urll: "x" } })).toThrow(/\+ context\): ironic\.urll: unknown key/);
  });
});

test("deepMerge replaces arrays and scalars, merges objects", () => {
  expect(deepMerge({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, d: { e: 1 } })).toEqual({ a: { b: 1, c: [2] }, d: { e: 1 } });
});

test("config path from --config, --config=, then the environment", () => {
  expect(configPathFrom(["--config", "a.json"], { BOSH_IRONIC_CPI_CONFIG: "b.json" })).toBe("a.json");
  expect(configPathFrom(["--config=c.json"], {})).toBe("c.json");
  expect(configPathFrom([], { BOSH_IRONIC_CPI_CONFIG: "b.json" })).toBe("b.json");
  expect(() => requireConfigPath([], {})).toThrow(/pass --config <path> or set BOSH_IRONIC_CPI_CONFIG/);
});
