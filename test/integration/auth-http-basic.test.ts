// Issue 30, HTTP basic: a real Ironic behind its own HTTP basic auth (auth_strategy = http_basic, an
// htpasswd file of bcrypt entries, as Bifrost deploys it) serving HTTPS itself ([api] enable_ssl_api) with a
// certificate from a private CA through an intermediate. Through the executable: the whole lifecycle; a
// wrong password or user is refused at once, named, without the password and without touching a server;
// TLS verification with the CA bundle, with the root alone, against another CA, and turned off.
// Release and shape follow IRONIC_RELEASE / IRONIC_SHAPE like every integration file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AuthenticatedIronic, CPI_USER, startAuthenticatedIronic } from "../support/authenticated-ironic.ts";
import { type CallResult, Director } from "../support/director.ts";
import { type Fleet, buildFleet } from "../support/fleet.ts";
import { describeSteps, directorEnv, manualNetwork, runLifecycle } from "../support/lifecycle.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { capturedInThisFile } from "../support/log-capture.ts";
import { SECRETS, allSecrets, basicAuthForm, findSecrets, registerSecret } from "../support/secrets.ts";
import { webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";

const WRONG_PASSWORD = "wrong-basic-pw-K3p9Xs2Lq";
registerSecret("wrongBasicPassword", WRONG_PASSWORD);

let work: string;
let s: AuthenticatedIronic;
let fleet: Fleet;
let servers: LifecycleServers;
/** a stemcell in the store, for create_vm calls that must get as far as Ironic */
let stemcell: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "auth-basic-"));
  s = await startAuthenticatedIronic({ kind: "http_basic", work });
  fleet = await buildFleet(s.ironic.adminUrl);
  servers = { ironicUrl: s.ironic.url, webdav: webdav(), storeFolder: `auth-basic-${fleet.id}` };
  await prepareStore(servers);
  const image = writeStemcellImage(join(work, "image"), 64 * 1024).path;
  const made = await director("stemcell").call("create_stemcell", [image, stemcellCloudProperties()]);
  if (made.response?.error || !made.response) throw new Error(`create_stemcell: ${JSON.stringify(made.response)}`);
  stemcell = made.response.result as string;
}, 300_000);

afterAll(async () => {
  await fleet?.destroy();
  await s?.stop();

  if (work) rmSync(work, { recursive: true, force: true });
});

/** A director whose CPI configuration has this `ironic` section over the server's own. */
function director(name: string, ironic: Record<string, unknown> = {}): Director {
  const config = lifecycleConfig(servers, { ironic: { ...s.ironicSection(), ...ironic } });
  return new Director({ configPath: writeConfig(work, config, `${name}.json`), callTimeoutMs: 120_000 });
}

const warnings = (r: CallResult) =>
  r.run.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);

/** Nodes of the fleet that a CPI call claimed or marked (instance_uuid, extra.bosh). */
async function touched(): Promise<string[]> {
  return (await fleet.nodes()).filter((n) => n.instance_uuid || n.extra["bosh"]).map((n) => fleet.nameOf(n.uuid));
}

const UNKNOWN_VM = "7f1d2c3b-0000-4000-8000-0000000000b1";

test("the whole lifecycle through the executable, with HTTP basic auth over TLS (ca_cert: root + intermediate)", async () => {
  const configPath = writeConfig(work, lifecycleConfig(servers, { ironic: s.ironicSection() }), "lifecycle.json");
  const steps = await runLifecycle({ configPath, fleet, workDir: work });
  expect(
    steps.filter((x) => x.outcome === "failed"),
    describeSteps(steps),
  ).toEqual([]);
  expect(steps.filter((x) => x.call === "create_vm" && x.outcome === "ok").length).toBeGreaterThanOrEqual(4);
  const secrets = new Map([
    ["ironicBasicPassword", SECRETS.ironicBasicPassword],
    ["basicAuth:ironic", basicAuthForm(CPI_USER, SECRETS.ironicBasicPassword)],
  ]);
  expect(capturedInThisFile().flatMap(({ source, text }) => findSecrets(text, secrets, source))).toEqual([]);
}, 600_000);

describe("credentials Ironic refuses", () => {
  test.each([
    ["a wrong password", { username: CPI_USER, password: WRONG_PASSWORD }, CPI_USER],
    ["an unknown user", { username: "bosh-nobody", password: SECRETS.ironicBasicPassword }, "bosh-nobody"],
  ])(
    "%s: a non-retryable error naming HTTP basic auth and the user, no password, no server claimed",
    async (_what, creds, user) => {
      const d = director(`basic-wrong-${user}`, { auth: { type: "http_basic", ...creds } });
      const before = await touched();
      const r = await d.call("create_vm", [
        "4c3b2a19-0000-4000-8000-0000000000b2",
        stemcell,
        fleet.vmTypes.known,
        manualNetwork("10.0.1.30"),
        [],
        directorEnv(),
      ]);
      const error = r.response?.error;
      expect(error, r.protocolError).toBeTruthy();
      expect(error!.ok_to_retry).toBe(false);
      expect(error!.message).toMatch(/HTTP basic/i);
      expect(error!.message).toContain(`"${user}"`);
      expect(error!.message).not.toContain(creds.password);
      expect(await touched()).toEqual(before);
      // refused once: a wrong password is never retried (each retry would only repeat the 401)
      expect(r.duration_ms).toBeLessThan(15_000);
    },
  );

  test("no credentials at all (noauth) against an authenticated Ironic says so", async () => {
    const r = await director("basic-none", { auth: { type: "noauth" } }).call("has_vm", [UNKNOWN_VM]);
    expect(r.response?.error?.message).toMatch(/requires authentication.*noauth|noauth.*authentication/i);
    expect(r.response?.error?.ok_to_retry).toBe(false);
  });
});

describe("TLS from a private CA with an intermediate", () => {
  test("the bundle of root and intermediate verifies; so does the root alone (Ironic sends its intermediate)", async () => {
    for (const [name, ca] of [
      ["bundle", s.chain.bundle],
      ["root", s.chain.root],
    ] as const) {
      const r = await director(`basic-ca-${name}`, { ca_cert: ca }).call("has_vm", [UNKNOWN_VM]);
      expect(r.response, r.protocolError).toMatchObject({ result: false, error: null });
    }
  });

  test.each([
    ["another CA", { ca_cert: "other" }],
    ["no ca_cert (the system's roots)", { ca_cert: undefined }],
  ])("%s: TLS verification failed, for which host, not retried", async (_what, o) => {
    const ca = o.ca_cert === "other" ? s.chain.otherCa : undefined;
    const config = lifecycleConfig(servers, { ironic: { ...s.ironicSection() } });
    const ironic = config.ironic as Record<string, unknown>;
    if (ca) ironic["ca_cert"] = ca;
    else delete ironic["ca_cert"];
    const d = new Director({ configPath: writeConfig(work, config, `basic-tls-${Boolean(ca)}.json`) });
    const r = await d.call("has_vm", [UNKNOWN_VM]);
    const message = r.response?.error?.message ?? "";
    expect(message).toMatch(/TLS verification/);
    expect(message).toContain(new URL(s.ironic.url).host);
    expect(message).toMatch(/ca_cert/);
    expect(r.duration_ms).toBeLessThan(15_000);
  });

  test("insecure: true works and is logged as a warning", async () => {
    const config = lifecycleConfig(servers, { ironic: { ...s.ironicSection(), insecure: true } });
    delete (config.ironic as Record<string, unknown>)["ca_cert"];
    const r = await new Director({ configPath: writeConfig(work, config, "basic-insecure.json") }).call("has_vm", [
      UNKNOWN_VM,
    ]);
    expect(r.response, r.protocolError).toMatchObject({ result: false, error: null });
    expect(warnings(r).join("\n")).toMatch(/TLS verification of Ironic is turned off/);
  });
});

test("no log line of this file holds a credential", () => {
  const hits = capturedInThisFile().flatMap(({ source, text }) => findSecrets(text, allSecrets(), source));
  expect(hits).toEqual([]);
});
