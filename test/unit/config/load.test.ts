import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { configPathFrom, deepMerge, loadConfigFile, requireConfigPath } from "../../../src/config/load.ts";
import { CpiError } from "../../../src/protocol/errors.ts";
import { testConfig } from "../../support/config.ts";
import { TEST_CA } from "../../support/test-ca.ts";

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
    const bad = {
      ...testConfig(),
      ironic: { url: "not a url", retries: { attempts: -1 }, extra: true },
      agent: {},
      surprise: 1,
    };
    const p = file("bad.json", JSON.stringify(bad));
    expect(() => loadConfigFile(p)).toThrowError(CpiError);
    let message = "";
    try {
      loadConfigFile(p);
    } catch (e) {
      message = (e as Error).message;
    }
    for (const part of [
      "ironic.url: must be an http(s) URL",
      "ironic.retries.attempts:",
      "ironic.extra: unknown key",
      "agent.mbus: is required",
      "surprise: unknown key",
    ])
      expect(message).toContain(part);
  });

  test("keystone auth needs its credentials", () => {
    const p = file(
      "ks.json",
      JSON.stringify({
        ...testConfig(),
        ironic: { url: "https://ironic:6385", auth: { type: "keystone", auth_url: "https://ks/" } },
      }),
    );
    expect(() => loadConfigFile(p)).toThrow(/ironic\.auth\.username: is required.*ironic\.auth\.password: is required/);
  });

  test("a CA bundle must be parseable PEM certificates, nothing else", () => {
    const load = (ca: string) =>
      loadConfigFile(file("ca.json", JSON.stringify({ ...testConfig(), ironic: { url: "https://i/", ca_cert: ca } })));
    const refused =
      /ironic\.ca_cert: must be PEM certificates \(-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----\), each one parseable/;
    expect(() => load("hello")).toThrow(refused);
    expect(() => load("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUXyZ\n-----END CERTIFICATE-----\n")).toThrow(
      refused,
    ); // PEM-shaped, not a certificate
    expect(() => load("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")).toThrow(refused); // a key pasted in
    expect(() => load(`${TEST_CA}trailing words`)).toThrow(refused);
    expect(load(TEST_CA).ironic.ca_cert).toBe(TEST_CA);
    expect(load(`${TEST_CA}\n${TEST_CA}`).ironic.ca_cert).toContain("END CERTIFICATE"); // a bundle
  });

  test("credentials HTTP basic auth cannot carry are refused up front, naming the key", () => {
    const load = (over: Record<string, unknown>) =>
      loadConfigFile(file("latin1.json", JSON.stringify(deepMerge(testConfig(), over))));
    const latin1 = "must hold only Latin-1 characters (HTTP basic auth cannot send others)";
    expect(() => load({ stemcell_store: { password: "pässwörd…" } })).toThrow(`stemcell_store.password: ${latin1}`);
    expect(() => load({ stemcell_store: { username: "日本" } })).toThrow(`stemcell_store.username: ${latin1}`);
    expect(() => load({ ironic: { auth: { type: "http_basic", username: "bosh", password: "pw–dash" } } })).toThrow(
      `ironic.auth.password: ${latin1}`,
    );
    expect(() => load({ ironic: { auth: { type: "http_basic", username: "a:b", password: "x" } } })).toThrow(
      "ironic.auth.username: must not contain ':'",
    );
    expect(() => load({ registry: { endpoint: "http://registry:p%E2%80%A6@10.0.0.7:25777" } })).toThrow(
      `registry.endpoint: credentials ${latin1}`,
    );
    expect(load({ stemcell_store: { password: "pässwörd" } }).stemcell_store.password).toBe("pässwörd"); // Latin-1 is fine
  });

  test("URLs must be http or https", () => {
    for (const [key, over] of [
      ["ironic.url", { ironic: { url: "ftp://ironic:6385" } }],
      ["stemcell_store.url", { stemcell_store: { url: "file:///var/www/" } }],
      ["stemcell_store.read_url", { stemcell_store: { read_url: "gopher://x/" } }],
      ["registry.endpoint", { registry: { endpoint: "nats://x:4222" } }],
      ["registry.store.url", { registry: { store: { url: "webdav://x/" } } }],
      [
        "ironic.auth.auth_url",
        {
          ironic: {
            auth: { type: "keystone", auth_url: "ldap://ks/", username: "u", password: "p", project_name: "p" },
          },
        },
      ],
    ] as const) {
      expect(() => loadConfigFile(file("url.json", JSON.stringify(deepMerge(testConfig(), over))))).toThrow(
        `${key}: must be an http(s) URL`,
      );
    }
  });

  test("registry records live in a registry store apart from the images Ironic reads anonymously", () => {
    const load = (registry: Record<string, unknown>, store: Record<string, unknown> = {}) =>
      loadConfigFile(
        file(
          "reg.json",
          JSON.stringify(
            deepMerge(testConfig(), {
              registry,
              stemcell_store: { url: "https://dav.example/bosh/", read_url: "http://10.0.0.5/images/", ...store },
            }),
          ),
        ),
      );
    expect(() => load({ mode: "always", endpoint: "http://r:p@10.0.0.7:25777" })).toThrow(
      /registry\.store: is required with registry\.mode always/,
    );
    expect(() => load({ store: { url: "https://dav.example/bosh/registry/" } })).toThrow(
      /registry\.store\.url: lies inside stemcell_store\.url \(https:\/\/dav\.example\/bosh\/\)/,
    );
    expect(() => load({ store: { url: "http://10.0.0.5/images" } })).toThrow(
      /registry\.store\.url: lies inside stemcell_store\.read_url/,
    );
    expect(load({ store: { url: "https://dav.example/bosh-registry/" } }).registry.store?.url).toBe(
      "https://dav.example/bosh-registry/",
    );
    expect(load({ mode: "auto" }).registry.store).toBeUndefined(); // v1 stemcells then fail at create_vm, before any claim
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
  expect(deepMerge({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, d: { e: 1 } })).toEqual({
    a: { b: 1, c: [2] },
    d: { e: 1 },
  });
});

test("config path from --config, --config=, then the environment", () => {
  expect(configPathFrom(["--config", "a.json"], { BOSH_IRONIC_CPI_CONFIG: "b.json" })).toBe("a.json");
  expect(configPathFrom(["--config=c.json"], {})).toBe("c.json");
  expect(configPathFrom([], { BOSH_IRONIC_CPI_CONFIG: "b.json" })).toBe("b.json");
  expect(() => requireConfigPath([], {})).toThrow(/pass --config <path> or set BOSH_IRONIC_CPI_CONFIG/);
});
