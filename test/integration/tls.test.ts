// TLS and access, through the executable, against TLS servers on 127.0.0.1 with a throw-away CA:
// Ironic (an HTTPS proxy in front of the real one), Keystone (a fake over HTTPS), WebDAV (nginx terminating
// TLS in front of the real nginx WebDAV) and the registry server (its own TLS, over the TLS WebDAV).
// Verification is on by default; a CA bundle (ca_cert) makes it pass; an unknown CA or a certificate for
// another name fails with an error that says TLS; `insecure: true` works and says so in a warning.
import { type ChildProcess, spawn } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { captureLog } from "../support/log-capture.ts";
import { CPI_BUNDLE } from "../support/cpi-process.ts";
import { type CallResult, Director } from "../support/director.ts";
import { type FakeHttp, startFakeHttp } from "../support/fake-http.ts";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { SECRETS } from "../support/secrets.ts";
import { ironicUrl, webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";
import { type Pki, makePki } from "../support/tls-certs.ts";
import { type TlsNginx, startTlsNginx } from "../support/tls-nginx.ts";

const TLS_MESSAGE = /TLS|certificate/i;
/** A handshake failure is final: no retry loop may stretch it. */
const FAST_MS = 15_000;

let work: string;
let pki: Pki;
let ironicTls: FaultProxy;
let ironicWrongName: FaultProxy;
let keystone: FakeHttp;
let davTls: TlsNginx;
let servers: LifecycleServers;

beforeAll(async () => {
  work = mkdtempSync(join("/tmp", "cpi-tls-"));
  pki = makePki(work);
  [ironicTls, ironicWrongName, keystone, davTls] = await Promise.all([
    startFaultProxy({ upstream: ironicUrl(), tls: pki.server }),
    startFaultProxy({ upstream: ironicUrl(), tls: pki.wrongName }),
    startFakeHttp(
      {
        "POST /v3/auth/tokens": {
          status: 201,
          headers: { "x-subject-token": SECRETS.keystoneToken },
          body: { token: { expires_at: "2099-01-01T00:00:00Z" } },
        },
      },
      { tls: { key: pki.server.key, cert: pki.server.cert } },
    ),
    startTlsNginx({ upstream: webdav().url, certFile: pki.server.certFile, keyFile: pki.server.keyFile, parent: work }),
  ]);
  servers = { ironicUrl: ironicTls.url, webdav: { ...webdav(), url: davTls.url }, storeFolder: `tls-${Date.now()}` };
  await prepareStore({ ...servers, webdav: webdav() });
});

afterAll(async () => {
  await Promise.all([ironicTls?.close(), ironicWrongName?.close(), keystone?.close(), davTls?.stop()]);
});

function director(name: string, overrides: Record<string, unknown>): Director {
  return new Director({
    configPath: writeConfig(work, lifecycleConfig(servers, overrides), `${name}.json`),
    callTimeoutMs: 120_000,
  });
}

/** pino JSON lines of the call's stderr at WARN (40) or above. */
const warnings = (r: CallResult) =>
  r.run.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);

function expectTlsFailure(r: CallResult): void {
  expect(r.response, r.protocolError).toBeDefined();
  expect(r.response?.error?.type).toMatch(/^Bosh::Clouds::/);
  expect(r.response?.error?.message, r.response?.error?.message).toMatch(TLS_MESSAGE);
  expect(r.duration_ms).toBeLessThan(FAST_MS);
}

describe("Ironic over HTTPS", () => {
  test("verification is on by default: an unknown CA fails with a TLS error, nothing reaches Ironic", async () => {
    const before = ironicTls.requests.length;
    const r = await director("ironic-default", {}).call("has_vm", ["7f1d2c3b-0000-4000-8000-0000000000a1"]);
    expectTlsFailure(r);
    expect(r.response?.error?.message).toMatch(/ca_cert/);
    expect(ironicTls.requests.length).toBe(before);
  });

  test("ca_cert makes it pass", async () => {
    const r = await director("ironic-ca", { ironic: { ca_cert: pki.ca } }).call("has_vm", [
      "7f1d2c3b-0000-4000-8000-0000000000a1",
    ]);
    expect(r.response).toMatchObject({ result: false, error: null });
    expect(ironicTls.requests.length).toBeGreaterThan(0);
  });

  test("another CA's bundle fails", async () => {
    expectTlsFailure(
      await director("ironic-other", { ironic: { ca_cert: pki.otherCa } }).call("has_vm", [
        "7f1d2c3b-0000-4000-8000-0000000000a1",
      ]),
    );
  });

  test("a certificate for another host name fails even with the right CA", async () => {
    const r = await director("ironic-name", { ironic: { url: ironicWrongName.url, ca_cert: pki.ca } }).call("has_vm", [
      "7f1d2c3b-0000-4000-8000-0000000000a1",
    ]);
    expectTlsFailure(r);
    expect(ironicWrongName.requests).toEqual([]);
  });

  test("insecure: true works and logs a warning", async () => {
    const r = await director("ironic-insecure", { ironic: { insecure: true } }).call("has_vm", [
      "7f1d2c3b-0000-4000-8000-0000000000a1",
    ]);
    expect(r.response).toMatchObject({ result: false, error: null });
    expect(warnings(r).join("\n")).toMatch(/TLS verification .*off|insecure/i);
  });
});

describe("Keystone over HTTPS", () => {
  const auth = {
    type: "keystone",
    auth_url: "",
    username: "bosh",
    password: SECRETS.keystonePassword,
    project_name: "bosh",
  };
  const withKeystone = (extra: Record<string, unknown>) => ({
    ironic: { auth: { ...auth, auth_url: `${keystone.url}/v3` }, ...extra },
  });

  test("verification is on by default: the token request fails with a TLS error", async () => {
    const before = keystone.requests.length;
    const r = await director("keystone-default", withKeystone({ url: ironicUrl() })).call("has_vm", [
      "7f1d2c3b-0000-4000-8000-0000000000a2",
    ]);
    expectTlsFailure(r);
    expect(keystone.requests.length).toBe(before);
  });

  test("ca_cert (the same bundle as Ironic's) makes it pass; the token is used", async () => {
    const r = await director("keystone-ca", withKeystone({ ca_cert: pki.ca })).call("has_vm", [
      "7f1d2c3b-0000-4000-8000-0000000000a2",
    ]);
    expect(r.response).toMatchObject({ result: false, error: null });
    expect(keystone.calls("POST /v3/auth/tokens").length).toBeGreaterThan(0);
  });

  test("insecure: true works and logs a warning", async () => {
    const r = await director("keystone-insecure", withKeystone({ insecure: true })).call("has_vm", [
      "7f1d2c3b-0000-4000-8000-0000000000a2",
    ]);
    expect(r.response).toMatchObject({ result: false, error: null });
    expect(warnings(r).join("\n")).toMatch(/TLS verification .*off|insecure/i);
  });
});

describe("WebDAV over HTTPS (nginx)", () => {
  const image = () => writeStemcellImage(join(work, `image-${Math.random().toString(36).slice(2)}`), 128 * 1024).path;
  const ironicOk = () => ({ ironic: { ca_cert: pki.ca } });

  test("verification is on by default: create_stemcell fails with a TLS error", async () => {
    expectTlsFailure(
      await director("dav-default", ironicOk()).call("create_stemcell", [image(), stemcellCloudProperties()]),
    );
  });

  test("ca_cert makes it pass (a streamed upload through TLS)", async () => {
    const d = director("dav-ca", { ...ironicOk(), stemcell_store: { ca_cert: pki.ca } });
    const r = await d.call("create_stemcell", [image(), stemcellCloudProperties()]);
    expect(r.response?.error).toBeNull();
    expect((await d.call("delete_stemcell", [r.response?.result])).response?.error).toBeNull();
  });

  test("another CA's bundle fails", async () => {
    expectTlsFailure(
      await director("dav-other", { ...ironicOk(), stemcell_store: { ca_cert: pki.otherCa } }).call("create_stemcell", [
        image(),
        stemcellCloudProperties(),
      ]),
    );
  });

  test("insecure: true works and logs a warning", async () => {
    const d = director("dav-insecure", { ...ironicOk(), stemcell_store: { insecure: true } });
    const r = await d.call("create_stemcell", [image(), stemcellCloudProperties()]);
    expect(r.response?.error).toBeNull();
    expect(warnings(r).join("\n")).toMatch(/TLS verification .*off|insecure/i);
    await d.call("delete_stemcell", [r.response?.result]);
  });
});

describe("the registry server", () => {
  let registry: ChildProcess;
  let url: string;
  let stderr = "";
  const REGISTRY_BUNDLE = CPI_BUNDLE.replace(/cpi\.js$/, "registry.js");

  beforeAll(async () => {
    const config = {
      listen: { host: "127.0.0.1", port: 0 },
      tls: { cert_file: pki.server.certFile, key_file: pki.server.keyFile },
      auth: { username: "registry", password: SECRETS.registryPassword },
      store: {
        url: `${davTls.url}${servers.storeFolder}/`,
        username: webdav().username,
        password: webdav().password,
        ca_cert: pki.ca,
        retries: 1,
      },
      prefix: "registry",
    };
    const path = writeConfig(work, config as never, "registry.json");
    registry = spawn(process.execPath, [REGISTRY_BUNDLE, "--config", path], { stdio: ["ignore", "ignore", "pipe"] });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`registry did not start:\n${stderr}`)), 15_000);
      registry.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
        const m = /registry listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(`https://127.0.0.1:${m[1]}`);
        }
      });
      registry.once("exit", (code) => reject(new Error(`registry exited (${code}):\n${stderr}`)));
    });
  });

  afterAll(() => {
    registry?.kill("SIGTERM");
    captureLog("registry server stderr", stderr);
  });

  /** One HTTPS request; `ca` undefined = the system roots (which do not know our CA). */
  function call(
    method: string,
    path: string,
    opts: { ca?: string; auth?: string; body?: string } = {},
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${url}${path}`,
        { method, ...(opts.ca ? { ca: opts.ca } : {}), headers: opts.auth ? { authorization: opts.auth } : {} },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end(opts.body);
    });
  }
  const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`;
  const good = () => basic("registry", SECRETS.registryPassword);

  test("serves TLS with its own certificate: trusted with the CA, refused without", async () => {
    await expect(call("GET", "/instances/vm-1/settings")).rejects.toThrow(/self-signed|unable to verify|certificate/i);
    expect((await call("GET", "/instances/vm-1/settings", { ca: pki.ca, auth: good() })).status).toBe(404);
  });

  test("refuses writes without credentials or with wrong ones; accepts the right pair", async () => {
    const body = JSON.stringify({ agent_id: "a-1" });
    for (const auth of [undefined, basic("registry", "wrong"), basic("admin", SECRETS.registryPassword), "Bearer x"]) {
      expect(
        (await call("PUT", "/instances/vm-1/settings", { ca: pki.ca, ...(auth ? { auth } : {}), body })).status,
      ).toBe(401);
      expect((await call("DELETE", "/instances/vm-1/settings", { ca: pki.ca, ...(auth ? { auth } : {}) })).status).toBe(
        401,
      );
    }
    expect((await call("PUT", "/instances/vm-1/settings", { ca: pki.ca, auth: good(), body })).status).toBe(200);
    const got = await call("GET", "/instances/vm-1/settings", { ca: pki.ca, auth: good() });
    expect(JSON.parse(got.body)).toEqual({ settings: body, status: "ok" });
    expect((await call("DELETE", "/instances/vm-1/settings", { ca: pki.ca, auth: good() })).status).toBe(200);
  });
});
