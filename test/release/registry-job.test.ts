// jobs/registry: its spec against the registry server's config schema, its templates rendered with
// Ruby's ERB into a registry.json that the server's own schema accepts, its BPM/monit wiring, and
// release/manifests/registry.yml agreeing with the CPI's registry.endpoint.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import YAML from "yaml";
import { storeInside } from "../../src/config/checks.ts";
import { Config } from "../../src/config/schema.ts";
import { RegistryConfig, parseRegistryConfig } from "../../src/registry/config.ts";
import { type Op, applyOps, interpolate } from "./support/go-patch.ts";
import { PEM } from "./support/ironic-cpi-properties.ts";
import { VARS } from "./support/manifest-vars.ts";
import { REPO, jobSpec, renderTemplate } from "./support/render.ts";
import { DIST, ensureBundle } from "./support/bundle.ts";
import { packageSpec } from "./support/release-tree.ts";
import { schemaLeafPaths } from "./support/schema-keys.ts";

const JOB = "registry";
const spec = jobSpec(JOB);

/** registry.json key -> job property. */
const PROPERTY_OF: Record<string, string> = {
  "listen.host": "registry.address",
  "listen.port": "registry.port",
  "tls.cert_file": "registry.tls.certificate",
  "tls.key_file": "registry.tls.private_key",
  "auth.username": "registry.username",
  "auth.password": "registry.password",
  "auth.read_requires_auth": "registry.read_requires_auth",
  "store.url": "registry.store.url",
  "store.username": "registry.store.username",
  "store.password": "registry.store.password",
  "store.ca_cert": "registry.store.ca_cert",
  "store.insecure": "registry.store.insecure",
  "store.request_timeout": "registry.store.request_timeout",
  "store.retries": "registry.store.retries",
  prefix: "registry.prefix",
  log_level: "registry.log_level",
  shutdown_timeout: "registry.shutdown_timeout",
};

const REQUIRED = {
  registry: { username: "registry", password: "registry-secret", store: { url: "http://10.0.0.5:8080/bosh-registry" } },
};
const ALL = {
  registry: {
    address: "10.0.0.10",
    port: 25778,
    username: "registry",
    password: "registry-secret",
    read_requires_auth: false,
    tls: { certificate: PEM, private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n" },
    prefix: "settings",
    log_level: "debug",
    shutdown_timeout: 30,
    store: {
      url: "https://webdav.example.com/bosh-registry",
      username: "registry-store",
      password: "webdav-secret",
      ca_cert: PEM,
      insecure: true,
      request_timeout: 600,
      retries: 2,
    },
  },
};

const renderConfig = (properties: object, ignoreUndeclared = false) =>
  JSON.parse(renderTemplate(JOB, "registry.json.erb", properties, { ignoreUndeclared })) as Record<string, unknown>;

describe("spec", () => {
  test("names the job, its templates (which exist) and the packages carrying node and registry.js", () => {
    expect(spec.name).toBe(JOB);
    expect(spec.templates).toEqual({
      "bpm.yml.erb": "config/bpm.yml",
      "registry.json.erb": "config/registry.json",
      "tls.crt.erb": "config/tls.crt",
      "tls.key.erb": "config/tls.key",
    });
    expect(spec.packages).toEqual(["node", "bosh-ironic-cpi"]);
    // the package carries dist/ whole, and the build writes registry.js there
    expect(packageSpec("bosh-ironic-cpi").files).toEqual(["bosh-ironic-cpi/**/*"]);
    ensureBundle(["registry.js"]);
    expect(existsSync(join(DIST, "registry.js"))).toBe(true);
  });

  test("every property has a description and a default or an example", () => {
    for (const [name, def] of Object.entries(spec.properties)) {
      expect(def?.description, name).toMatch(/\S/);
      expect(def.default !== undefined || def.example !== undefined, name).toBe(true);
    }
  });

  test("every key of the registry server's config schema is a property, and every property feeds one", () => {
    expect(schemaLeafPaths(RegistryConfig).sort()).toEqual(Object.keys(PROPERTY_OF).sort());
    expect(Object.keys(spec.properties).sort()).toEqual([...new Set(Object.values(PROPERTY_OF))].sort());
  });

  test("shares registry.store.* and registry.prefix with ironic_cpi, with the same meaning", () => {
    const cpi = jobSpec("ironic_cpi").properties;
    for (const name of Object.keys(spec.properties).filter(
      (p) => p.startsWith("registry.store.") || p === "registry.prefix",
    )) {
      expect(cpi, name).toHaveProperty([name]);
    }
  });

  test("monit watches the BPM process that bpm.yml declares", () => {
    const monit = readFileSync(join(REPO, "jobs/registry/monit"), "utf8");
    const bpm = YAML.parse(renderTemplate(JOB, "bpm.yml.erb", REQUIRED)) as { processes: { name: string }[] };
    expect(bpm.processes.map((p) => p.name)).toEqual(["registry"]);
    expect(monit).toMatch(/^check process registry$/m);
    expect(monit).toContain("with pidfile /var/vcap/sys/run/bpm/registry/registry.pid");
    expect(monit).toContain('start program "/var/vcap/jobs/bpm/bin/bpm start registry"');
    expect(monit).toContain('stop program "/var/vcap/jobs/bpm/bin/bpm stop registry"');
  });
});

describe("config/bpm.yml", () => {
  test("runs the packaged node on registry.js with the rendered config; NET_BIND_SERVICE only below port 1024", () => {
    const bpm = YAML.parse(renderTemplate(JOB, "bpm.yml.erb", REQUIRED));
    expect(bpm).toEqual({
      processes: [
        {
          name: "registry",
          executable: "/var/vcap/packages/node/bin/node",
          args: [
            "/var/vcap/packages/bosh-ironic-cpi/registry.js",
            "--config",
            "/var/vcap/jobs/registry/config/registry.json",
          ],
        },
      ],
    });
    const low = YAML.parse(
      renderTemplate(JOB, "bpm.yml.erb", { ...REQUIRED, registry: { ...REQUIRED.registry, port: 443 } }),
    );
    expect(low.processes[0].capabilities).toEqual(["NET_BIND_SERVICE"]);
  });
});

describe("config/registry.json", () => {
  test("with only the required properties: auth and store, so the server's defaults apply; its schema accepts it", () => {
    const doc = renderConfig(REQUIRED);
    expect(doc).toEqual({
      auth: { username: "registry", password: "registry-secret" },
      store: REQUIRED.registry.store,
    });
    const config = parseRegistryConfig(doc, "rendered");
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 25777 });
    expect(config.prefix).toBe("registry");
  });

  test("with every property set: each lands at its key, TLS as files of the job", () => {
    const doc = renderConfig(ALL);
    expect(doc).toEqual({
      listen: { host: "10.0.0.10", port: 25778 },
      tls: { cert_file: "/var/vcap/jobs/registry/config/tls.crt", key_file: "/var/vcap/jobs/registry/config/tls.key" },
      auth: { username: "registry", password: "registry-secret", read_requires_auth: false },
      store: ALL.registry.store,
      prefix: "settings",
      log_level: "debug",
      shutdown_timeout: 30,
    });
    expect(() => parseRegistryConfig(doc, "rendered")).not.toThrow();
    expect(renderTemplate(JOB, "tls.crt.erb", ALL)).toBe(`${ALL.registry.tls.certificate}\n`);
    expect(renderTemplate(JOB, "tls.key.erb", ALL)).toBe(`${ALL.registry.tls.private_key}\n`);
    expect(renderTemplate(JOB, "tls.crt.erb", REQUIRED).trim()).toBe("");
  });

  test("a missing required property, or half a TLS pair, fails the render", () => {
    for (const [name, props] of [
      ["registry.username", { registry: { password: "p", store: REQUIRED.registry.store } }],
      ["registry.password", { registry: { username: "u", store: REQUIRED.registry.store } }],
      ["registry.store.url", { registry: { username: "u", password: "p" } }],
    ] as const) {
      expect(() => renderConfig(props), name).toThrow(`Can't find property '${name}'`);
    }
    const half = { ...REQUIRED, registry: { ...REQUIRED.registry, tls: { certificate: PEM } } };
    expect(() => renderConfig(half)).toThrow(/must be set together/);
  });
});

describe("release/manifests/registry.yml", () => {
  const load = (path: string) => YAML.parse(readFileSync(join(REPO, path), "utf8"));

  test("adds the job on the director; its config and the CPI's registry.endpoint agree on port and credentials", () => {
    const ops = [...load("release/manifests/cpi.yml"), ...load("release/manifests/registry.yml")] as Op[];
    const m = applyOps(load("test/release/fixtures/bosh-deployment.yml"), ops) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(m.variables).toContainEqual({ name: "registry_password", type: "password" });
    const bosh = m.instance_groups[0];
    expect(bosh.jobs).toContainEqual({ name: "registry", release: "bosh-ironic-cpi" });
    const props = interpolate(bosh.properties, VARS);

    const registry = parseRegistryConfig(renderConfig(props, true), "rendered");
    const cpi = Config.parse(
      JSON.parse(renderTemplate("ironic_cpi", "cpi.json.erb", props, { ignoreUndeclared: true })),
    );
    const endpoint = new URL(cpi.registry.endpoint!);
    expect(Number(endpoint.port)).toBe(registry.listen.port);
    expect([decodeURIComponent(endpoint.username), decodeURIComponent(endpoint.password)]).toEqual([
      registry.auth.username,
      registry.auth.password,
    ]);
    expect(registry.store).toEqual(cpi.registry.store);
    expect(storeInside(cpi.registry.store!.url, cpi.stemcell_store.url)).toBe(false); // never under the anonymously read images
    expect(registry.prefix).toBe(cpi.registry.prefix);
  });
});
