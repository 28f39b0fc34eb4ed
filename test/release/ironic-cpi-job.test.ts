// jobs/ironic_cpi: its spec against the CPI's config schema, and its templates rendered with Ruby's ERB
// (BOSH's p/if_p semantics) into a cpi.json that the CPI's own schema and check-config accept.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Config } from "../../src/config/schema.ts";
import { checkConfig, ensureBundle } from "./support/bundle.ts";
import { ALL, ALL_CONFIG, PEM, REQUIRED } from "./support/ironic-cpi-properties.ts";
import { REPO, jobSpec, renderTemplate } from "./support/render.ts";
import { schemaLeafPaths } from "./support/schema-keys.ts";

const JOB = "ironic_cpi";
const spec = jobSpec(JOB);
const declared = Object.keys(spec.properties);
/** Conventional BOSH properties that are not keys of cpi.json but feed it (or bin/cpi). */
const CONVENTIONAL = /^(ntp|blobstore\..+|env\.(http_proxy|https_proxy|no_proxy))$/;

const renderConfig = (properties: object) =>
  JSON.parse(renderTemplate(JOB, "cpi.json.erb", properties)) as Record<string, unknown>;
const lookup = (doc: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
      doc,
    );

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "ironic-cpi-job-"));
  ensureBundle(["cpi.js"]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("spec", () => {
  test("names the job, its templates (which exist), its packages (which exist) and an empty monit", () => {
    expect(spec.name).toBe(JOB);
    expect(spec.templates).toEqual({
      "cpi.erb": "bin/cpi",
      "cpi.json.erb": "config/cpi.json",
      "ironic_ca_cert.pem.erb": "config/ironic_ca_cert.pem",
      "stemcell_store_ca_cert.pem.erb": "config/stemcell_store_ca_cert.pem",
    });
    for (const template of Object.keys(spec.templates))
      expect(existsSync(join(REPO, "jobs", JOB, "templates", template)), template).toBe(true);
    expect(spec.packages).toEqual(["node", "bosh-ironic-cpi"]);
    for (const pkg of spec.packages) expect(existsSync(join(REPO, "packages", pkg, "spec")), pkg).toBe(true);
    expect(readFileSync(join(REPO, "jobs", JOB, "monit"), "utf8")).toBe("");
  });

  test("every property has a description and a default or an example", () => {
    for (const [name, def] of Object.entries(spec.properties)) {
      expect(def?.description, name).toMatch(/\S/);
      expect(def.default !== undefined || def.example !== undefined, `${name} has neither default nor example`).toBe(
        true,
      );
    }
  });

  test("every key of the CPI's config schema is a property, and every other property is a conventional one", () => {
    const keys = schemaLeafPaths(Config);
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.filter((k) => !declared.includes(k))).toEqual([]);
    expect(declared.filter((p) => !keys.includes(p) && !CONVENTIONAL.test(p))).toEqual([]);
  });

  test("the every-property fixture really sets every declared property (but the Keystone scope it has not chosen)", () => {
    // a token has one scope: the fixture's is project_name; system_scope has its own test below
    const exclusive = ["ironic.auth.system_scope"];
    expect(declared.filter((name) => lookup(ALL, name) === undefined)).toEqual(exclusive);
  });
});

describe("config/cpi.json", () => {
  test("with only the required properties: just those keys, so the CPI's defaults apply; the schema and check-config accept it", () => {
    const doc = renderConfig(REQUIRED);
    expect(doc).toEqual(REQUIRED);
    const config = Config.parse(doc);
    expect(config.ironic.auth).toEqual({ type: "noauth" });
    expect(config.registry.mode).toBe("auto");
    const file = join(tmp, "required.json");
    writeFileSync(file, JSON.stringify(doc));
    expect(checkConfig(file)).toMatchObject({ status: 0 });
  });

  test("with every property set: each config key lands at its own path, agent.* beats the conventional ntp/blobstore", () => {
    const doc = renderConfig(ALL);
    expect(doc).toEqual(ALL_CONFIG);
    expect(Config.safeParse(doc).error).toBeUndefined();
    const file = join(tmp, "all.json");
    writeFileSync(file, JSON.stringify(doc));
    expect(checkConfig(file)).toMatchObject({ status: 0 });
  });

  test("a required property that is missing fails the render, naming it, as BOSH does", () => {
    for (const name of ["ironic.url", "stemcell_store.url", "agent.mbus"]) {
      const [top, key] = name.split(".") as [keyof typeof REQUIRED, string];
      const props = {
        ...REQUIRED,
        [top]: Object.fromEntries(Object.entries(REQUIRED[top]).filter(([k]) => k !== key)),
      };
      expect(() => renderConfig(props), name).toThrow(
        new RegExp(`UnknownProperty: Can't find property '${name.replace(".", "\\.")}'`),
      );
    }
  });

  test("http_basic auth renders only its own keys; keys of another auth type or no type fail the render", () => {
    const doc = renderConfig({
      ...REQUIRED,
      ironic: { ...REQUIRED.ironic, auth: { type: "http_basic", username: "u", password: "p" } },
    });
    expect(doc.ironic).toEqual({
      url: REQUIRED.ironic.url,
      auth: { type: "http_basic", username: "u", password: "p" },
    });
    expect(Config.safeParse(doc).success).toBe(true);
    const stray = { type: "http_basic", username: "u", password: "p", auth_url: "https://k.example.com/v3" };
    expect(() => renderConfig({ ...REQUIRED, ironic: { ...REQUIRED.ironic, auth: stray } })).toThrow(
      /ironic\.auth\.auth_url does not apply/,
    );
    expect(() => renderConfig({ ...REQUIRED, ironic: { ...REQUIRED.ironic, auth: { username: "u" } } })).toThrow(
      /ironic\.auth\.type must be set/,
    );
    expect(() => renderConfig({ ...REQUIRED, ironic: { ...REQUIRED.ironic, auth: { type: "token" } } })).toThrow(
      /must be one of/,
    );
  });

  test("keystone with system_scope and no ironic.url (the catalog names it): rendered, and the schema and check-config accept it", () => {
    const auth = {
      type: "keystone",
      auth_url: "https://keystone.example.com:5000/v3",
      username: "bosh",
      password: "p",
      system_scope: "all",
    };
    const doc = renderConfig({ ...REQUIRED, ironic: { auth } });
    expect(doc.ironic).toEqual({ auth });
    const file = join(tmp, "keystone-system.json");
    writeFileSync(file, JSON.stringify(doc));
    expect(checkConfig(file)).toMatchObject({ status: 0 });
    // without Keystone an endpoint is still required
    expect(() =>
      renderConfig({ ...REQUIRED, ironic: { auth: { type: "http_basic", username: "u", password: "p" } } }),
    ).toThrow(/Can't find property 'ironic\.url'/);
  });

  test("the conventional ntp and blobstore properties fill agent.ntp and agent.blobstore when agent.* are unset", () => {
    const local = renderConfig({
      ...REQUIRED,
      ntp: ["0.pool.ntp.org"],
      blobstore: { provider: "local", path: "/var/vcap/micro_bosh/data/cache" },
    });
    expect(local.agent).toEqual({
      mbus: REQUIRED.agent.mbus,
      ntp: ["0.pool.ntp.org"],
      blobstore: { provider: "local", options: { blobstore_path: "/var/vcap/micro_bosh/data/cache" } },
    });
    // bosh-deployment's director properties: dav over TLS
    const dav = renderConfig({
      ...REQUIRED,
      blobstore: {
        provider: "dav",
        address: "10.0.0.10",
        agent: { user: "agent", password: "pw" },
        tls: { cert: { ca: PEM } },
      },
    });
    expect(dav.agent).toEqual({
      mbus: REQUIRED.agent.mbus,
      blobstore: {
        provider: "dav",
        options: { endpoint: "https://10.0.0.10:25250", user: "agent", password: "pw", tls: { cert: { ca: PEM } } },
      },
    });
    for (const doc of [local, dav]) expect(Config.safeParse(doc).success).toBe(true);
    expect(() => renderConfig({ ...REQUIRED, blobstore: { provider: "s3" } })).toThrow(/set agent\.blobstore instead/);
  });

  test("automated_clean: false is rendered (not mistaken for unset)", () => {
    expect(renderConfig({ ...REQUIRED, automated_clean: false }).automated_clean).toBe(false);
    expect(renderConfig(REQUIRED)).not.toHaveProperty("automated_clean");
  });
});

describe("CA certificate files", () => {
  test("hold the PEM bundles when given, and are empty otherwise", () => {
    expect(renderTemplate(JOB, "ironic_ca_cert.pem.erb", ALL)).toBe(`${PEM}\n`);
    expect(renderTemplate(JOB, "stemcell_store_ca_cert.pem.erb", ALL)).toBe(`${PEM}\n`);
    expect(renderTemplate(JOB, "ironic_ca_cert.pem.erb", REQUIRED).trim()).toBe("");
    expect(renderTemplate(JOB, "stemcell_store_ca_cert.pem.erb", REQUIRED).trim()).toBe("");
  });
});

describe("bin/cpi", () => {
  const write = (name: string, text: string) => {
    const file = join(tmp, name);
    writeFileSync(file, text, { mode: 0o755 });
    return file;
  };

  test("passes bash -n, defaults to /var/vcap, exec's the packaged node on the bundle with the rendered config", () => {
    for (const props of [REQUIRED, ALL]) {
      const script = renderTemplate(JOB, "cpi.erb", props);
      execFileSync("bash", ["-n", write("cpi", script)]);
      expect(script.startsWith("#!/bin/bash\n")).toBe(true);
      expect(script).toContain('BOSH_PACKAGES_DIR="${BOSH_PACKAGES_DIR:-/var/vcap/packages}"');
      expect(script).toContain('BOSH_JOBS_DIR="${BOSH_JOBS_DIR:-/var/vcap/jobs}"');
      expect(script).toMatch(
        /^exec "\$\{node\}" "\$\{BOSH_PACKAGES_DIR\}\/bosh-ironic-cpi\/cpi\.js" --config "\$\{BOSH_JOBS_DIR\}\/ironic_cpi\/config\/cpi\.json"$/m,
      );
      // no secrets in the wrapper
      expect(script).not.toMatch(/secret/);
    }
  });

  test("exports the proxies (quoted for the shell) only when set", () => {
    const plain = renderTemplate(JOB, "cpi.erb", REQUIRED);
    expect(plain).not.toMatch(/PROXY/i);
    const proxied = renderTemplate(JOB, "cpi.erb", { ...REQUIRED, env: { ...ALL.env, no_proxy: "a,b'c" } });
    // everything up to the exec of node, then print the environment
    const file = write("proxied", `${proxied.slice(0, proxied.indexOf('node="'))}env\n`);
    const env = execFileSync("bash", [file], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(env).toMatch(/^HTTP_PROXY=http:\/\/proxy\.example\.com:3128$/m);
    expect(env).toMatch(/^http_proxy=http:\/\/proxy\.example\.com:3128$/m);
    expect(env).toMatch(/^HTTPS_PROXY=http:\/\/proxy\.example\.com:3129$/m);
    expect(env).toMatch(/^https_proxy=http:\/\/proxy\.example\.com:3129$/m);
    expect(env).toMatch(/^NO_PROXY=a,b'c$/m);
    expect(env).toMatch(/^no_proxy=a,b'c$/m);
    expect(env).toMatch(/^NODE_USE_ENV_PROXY=1$/m);
  });
});
