// Issue 30, Keystone: a real Ironic (auth_strategy = keystone, keystonemiddleware validating every token)
// behind a real Keystone (Debian's Keystone 22, sqlite, fernet tokens; harness keystone.ts), both over HTTPS
// from a private CA with an intermediate. The CPI's user is `bosh`, an admin with system scope (what Ironic
// 39's policy asks for all the CPI does), or a user of the service project with the roles of harness ironic.ts
// KEYSTONE_CPI_ROLES (project scope: all but create_disk). Through the executable: the lifecycle
// with Ironic's endpoint from the catalog; a token that expires or is revoked in the middle of a deploy;
// wrong credentials; Keystone unreachable or slow; the endpoint chosen by region_name and interface, and a
// catalog without one; TLS verification of Keystone. Release and shape follow IRONIC_RELEASE / IRONIC_SHAPE.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CATALOG_REGIONS, KEYSTONE_CPI_ROLES, KEYSTONE_SERVICE_PROJECT } from "../harness/ironic.ts";
import { type AuthenticatedIronic, CPI_USER, startAuthenticatedIronic } from "../support/authenticated-ironic.ts";
import { type CallResult, Director } from "../support/director.ts";
import { type FakeHttp, startFakeHttp } from "../support/fake-http.ts";
import { type Fleet, buildFleet } from "../support/fleet.ts";
import { describeSteps, directorEnv, manualNetwork, runLifecycle } from "../support/lifecycle.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { capturedInThisFile } from "../support/log-capture.ts";
import { SECRETS, allSecrets, findSecrets, registerSecret } from "../support/secrets.ts";
import { webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";

const WRONG_PASSWORD = "wrong-keystone-pw-V6n2Rk8Tz";
registerSecret("wrongKeystonePassword", WRONG_PASSWORD);
const UNKNOWN_VM = "7f1d2c3b-0000-4000-8000-0000000000c1";

let work: string;
/** Keystone with its default token lifetime; Ironic's fake deploy interface sleeps FAKE_DEPLOY_S in each of
 * prepare, deploy, tear_down and clean_up (ironic/drivers/modules/fake.py): a deploy is "deploying" for twice
 * that, long enough to revoke the CPI's token in the middle (4 s made the lifecycle alone take 110 s) */
let s: AuthenticatedIronic;
let fleet: Fleet;
let servers: LifecycleServers;
let stemcell: string;
const FAKE_DEPLOY_S = 2;
/** keystonemiddleware's token cache: Keystone took 150-350 ms to validate each token (measured), cached
 * requests 5-9 ms; a revoked token is then refused up to this much later */
const TOKEN_CACHE_S = 2;

type Json = Record<string, unknown>;

/** The CPI configuration: the server's `ironic` section (Keystone through its HTTPS front), `ironic` over it. */
function config(ironic: Json = {}, auth: Json = {}): ReturnType<typeof lifecycleConfig> {
  const section = { ...s.ironicSection(), ...ironic } as Json;
  const a: Json = { ...(section["auth"] as Json), ...auth };
  section["auth"] = a;
  for (const o of [section, a]) for (const [k, v] of Object.entries(o)) if (v === undefined) delete o[k];
  const c = lifecycleConfig(servers, {});
  c.ironic = section as typeof c.ironic;
  return c;
}

function director(name: string, ironic: Json = {}, auth: Json = {}, timeoutMs = 180_000): Director {
  return new Director({
    configPath: writeConfig(work, config(ironic, auth), `${name}.json`),
    callTimeoutMs: timeoutMs,
  });
}

const warnings = (r: CallResult) =>
  r.run.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);

async function touched(f: Fleet): Promise<string[]> {
  return (await f.nodes()).filter((n) => n.instance_uuid || n.extra["bosh"]).map((n) => f.nameOf(n.uuid));
}

/** The CPI's token requests at Keystone's front so far (the harness's own go to Keystone directly). */
const cpiTokens = (x: AuthenticatedIronic) => x.front!.tokenRequests();

/** How often the CPI's log says it authenticated again after Ironic refused its token. */
const renewals = (r: CallResult) => (r.run.stderr.match(/Ironic refused the Keystone token/g) ?? []).length;

/** The service project's user (project scope) with Ironic's service roles, made once. */
let projectUser: Json | undefined;
async function projectScoped(): Promise<Json> {
  if (!projectUser) {
    const name = "bosh-project";
    await s.keystone!.createUser({
      name,
      password: SECRETS.keystonePassword,
      project: KEYSTONE_SERVICE_PROJECT,
      roles: KEYSTONE_CPI_ROLES,
    });
    projectUser = { username: name, project_name: KEYSTONE_SERVICE_PROJECT, system_scope: undefined };
  }
  return projectUser;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "auth-keystone-"));
  s = await startAuthenticatedIronic({
    kind: "keystone",
    work,
    tokenCacheTime: TOKEN_CACHE_S,
    ironic: { fakeDeployDelay: FAKE_DEPLOY_S },
  });
  fleet = await buildFleet(s.ironic.adminUrl);
  servers = { ironicUrl: s.ironic.url, webdav: webdav(), storeFolder: `auth-keystone-${fleet.id}` };
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

test("the whole lifecycle, Ironic's endpoint from the catalog (no url), over TLS; no credential on the config drive", async () => {
  const c = config({ url: undefined });
  const configPath = writeConfig(work, c, "lifecycle.json");
  const drives: string[] = [];
  const steps = await runLifecycle(
    { configPath, fleet, workDir: work },
    {
      // every config drive Ironic holds after a create_vm, as Ironic's database has it
      afterCall: async (call) => {
        if (call !== "create_vm") return;
        drives.push(...configDrives(s));
      },
    },
  );
  expect(
    steps.filter((x) => x.outcome === "failed"),
    describeSteps(steps),
  ).toEqual([]);
  expect(drives.length).toBeGreaterThan(0);
  const forbidden = new Map([...allSecrets()].filter(([label]) => /keystone|ironicBasic|registered:/i.test(label)));
  for (const tokenRequest of cpiTokens(s))
    if (tokenRequest.subjectToken) forbidden.set("cpi token", tokenRequest.subjectToken);
  expect(drives.flatMap((d, i) => findSecrets(d, forbidden, `config drive ${i}`))).toEqual([]);
}, 600_000);

describe("tokens", () => {
  test("a token revoked in the middle of a deploy: the CPI authenticates again, once, and the deploy finishes (a project-scoped user)", async () => {
    const d = director("revoke", {}, await projectScoped());
    const before = cpiTokens(s).length;
    const call = d.call("create_vm", [
      "4c3b2a19-0000-4000-8000-0000000000c2",
      stemcell,
      fleet.vmTypes.known,
      manualNetwork("10.0.1.31"),
      [],
      directorEnv(),
    ]);
    // once the CPI waits for the deploy, revoke the token it holds
    const node = fleet.known[1].uuid;
    const deadline = Date.now() + 60_000;
    while ((await fleet.ironic.node(node)).provision_state !== "deploying" && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const issued = cpiTokens(s).slice(before);
    expect(issued.length).toBe(1);
    registerSecret("revoked CPI token", issued[0]!.subjectToken!);
    await s.keystone!.revokeToken(issued[0]!.subjectToken!);
    const r = await call;
    expect(r.response?.error, r.response?.error?.message).toBeNull();
    const after = cpiTokens(s).slice(before);
    expect(after.map((t) => t.status)).toEqual([201, 201]);
    expect(renewals(r)).toBe(1);
    registerSecret("second CPI token", after[1]!.subjectToken!);
    const vm = (r.response!.result as [string])[0];
    expect((await d.call("delete_vm", [vm])).response?.error).toBeNull();
  }, 300_000);

  test("a token that expires during a deploy ([token] expiration 12 s, a 14 s deploy): authenticated again once, the deploy finishes", async () => {
    const short = await startAuthenticatedIronic({
      kind: "keystone",
      work,
      tokenExpiration: 12,
      // prepare and deploy sleep 7 s each: deploying for 14 s
      ironic: { fakeDeployDelay: 7 },
    });
    try {
      const f = await buildFleet(short.ironic.adminUrl, { poolSize: 1 });
      const section = short.ironicSection();
      const c = lifecycleConfig({ ...servers, ironicUrl: short.ironic.url }, {});
      c.ironic = { ...(c.ironic as Json), ...section } as typeof c.ironic;
      const d = new Director({ configPath: writeConfig(work, c, "expiry.json"), callTimeoutMs: 180_000 });
      const r = await d.call("create_vm", [
        "4c3b2a19-0000-4000-8000-0000000000c3",
        stemcell,
        f.vmTypes.known,
        manualNetwork("10.0.1.32"),
        [],
        directorEnv(),
      ]);
      expect(r.response?.error, r.response?.error?.message).toBeNull();
      expect(r.duration_ms).toBeGreaterThan(12_000); // the first token did expire during the call
      const tokens = cpiTokens(short);
      for (const t of tokens) if (t.subjectToken) registerSecret("expiring CPI token", t.subjectToken);
      // one new token each time Ironic refused an expired one: at least once, at most once per 12 s of the call
      expect(tokens.every((t) => t.status === 201)).toBe(true);
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      expect(tokens.length).toBeLessThanOrEqual(1 + Math.ceil(r.duration_ms / 12_000));
      expect(renewals(r)).toBe(tokens.length - 1);
      expect((await d.call("delete_vm", [(r.response!.result as [string])[0]])).response?.error).toBeNull();
      await f.destroy();
    } finally {
      await short.stop();
    }
  }, 300_000);
});

describe("credentials Keystone refuses", () => {
  test.each([
    ["a wrong password", { password: WRONG_PASSWORD }, CPI_USER],
    ["an unknown user", { username: "bosh-nobody" }, "bosh-nobody"],
  ])(
    "%s: a non-retryable error naming Keystone and the user, no password, no server claimed",
    async (_what, auth, user) => {
      const before = await touched(fleet);
      const tokensBefore = cpiTokens(s).length;
      const r = await director(`ks-wrong-${user}`, {}, auth).call("create_vm", [
        "4c3b2a19-0000-4000-8000-0000000000c4",
        stemcell,
        fleet.vmTypes.known,
        manualNetwork("10.0.1.33"),
        [],
        directorEnv(),
      ]);
      const error = r.response?.error;
      expect(error, r.protocolError).toBeTruthy();
      expect(error!.ok_to_retry).toBe(false);
      expect(error!.message).toMatch(/Keystone/);
      expect(error!.message).toContain(`"${user}"`);
      expect(error!.message).not.toContain(WRONG_PASSWORD);
      expect(error!.message).not.toContain(SECRETS.keystonePassword);
      expect(await touched(fleet)).toEqual(before);
      expect(cpiTokens(s).length - tokensBefore).toBe(1); // refused once, never retried
    },
  );
});

describe("Keystone unreachable or slow", () => {
  test("unreachable (connection refused): a retryable failure, retried, naming Keystone", async () => {
    await s.front!.setDown(true);
    try {
      const t0 = Date.now();
      const r = await director("ks-down", { retries: { attempts: 2, base_delay_ms: 50, max_delay_ms: 100 } }).call(
        "has_vm",
        [UNKNOWN_VM],
      );
      const message = r.response?.error?.message ?? "";
      expect(message).toMatch(/Keystone/);
      expect(message).toMatch(/ECONNREFUSED/);
      expect(message).toContain(new URL(s.front!.url).host);
      expect(message).toMatch(/3 attempt/); // retried like an unreachable Ironic
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      await s.front!.setDown(false);
    }
  });

  test("slow (answers held 10 s): the request timeout (2 s) applies to Keystone too", async () => {
    s.front!.setDelay(10_000);
    try {
      const r = await director("ks-slow", { request_timeout: 2, retries: { attempts: 1, base_delay_ms: 50 } }).call(
        "has_vm",
        [UNKNOWN_VM],
      );
      const message = r.response?.error?.message ?? "";
      expect(message).toMatch(/Keystone/);
      expect(message).toMatch(/ETIMEDOUT|within 2000 ms/);
      // two attempts of 2 s, not two of 10 s
      expect(r.duration_ms).toBeLessThan(9_000);
    } finally {
      s.front!.setDelay(0);
    }
  });
});

describe("the catalog", () => {
  let decoys: FakeHttp[] = [];
  const restore = async () => {
    await s.keystone!.registerService(
      "baremetal",
      "ironic",
      CATALOG_REGIONS.flatMap((region) =>
        (["public", "internal"] as const).map((i) => ({ region, interface: i, url: s.ironic.url })),
      ),
    );
    await Promise.all(decoys.map((x) => x.close()));
    decoys = [];
  };

  test("the endpoint of region_name and interface is the one used, of four", async () => {
    const tls = { key: readFileSync(s.chain.keyFile, "utf8"), cert: readFileSync(s.chain.chainFile, "utf8") };
    decoys = await Promise.all([0, 1, 2].map(() => startFakeHttp({}, { tls })));
    try {
      await s.keystone!.registerService("baremetal", "ironic", [
        { region: "RegionOne", interface: "public", url: decoys[0]!.url },
        { region: "RegionOne", interface: "internal", url: decoys[1]!.url },
        { region: "RegionTwo", interface: "public", url: decoys[2]!.url },
        { region: "RegionTwo", interface: "internal", url: s.ironic.url },
      ]);
      const r = await director(
        "catalog-two-internal",
        { url: undefined },
        { region_name: "RegionTwo", interface: "internal" },
      ).call("has_vm", [UNKNOWN_VM]);
      expect(r.response, r.protocolError).toMatchObject({ result: false, error: null });
      expect(decoys.map((x) => x.requests.length)).toEqual([0, 0, 0]);
      // and the public one of RegionOne is a decoy: the CPI goes there when told to
      const other = await director(
        "catalog-one-public",
        { url: undefined },
        { region_name: "RegionOne", interface: "public" },
      ).call("has_vm", [UNKNOWN_VM]);
      expect(other.response?.error).toBeTruthy();
      expect(decoys[0]!.requests.length).toBeGreaterThan(0);
    } finally {
      await restore();
    }
  });

  test("no baremetal endpoint in the region asked for: an error naming what was looked for", async () => {
    const r = await director(
      "catalog-none",
      { url: undefined },
      { region_name: "RegionThree", interface: "internal" },
    ).call("has_vm", [UNKNOWN_VM]);
    const message = r.response?.error?.message ?? "";
    expect(message).toMatch(/baremetal/);
    expect(message).toMatch(/internal/);
    expect(message).toMatch(/RegionThree/);
    expect(r.response?.error?.ok_to_retry).toBe(false);
  });

  test("a project whose catalog has no baremetal service (Keystone's endpoint filter): an error naming it", async () => {
    const k = s.keystone!;
    const project = `no-baremetal-${Date.now()}`;
    const user = await k.createUser({
      name: `bosh-${project}`,
      password: SECRETS.keystonePassword,
      project,
      roles: ["service", "admin"],
    });
    const projectId = await k.ensureProject(project);
    const { endpoints } = await k.api<{ endpoints: { id: string; url: string }[] }>(
      "GET",
      "/endpoints?interface=public",
    );
    const identity = endpoints.find((e) => e.url.endsWith("/v3"))!;
    await k.api("PUT", `/OS-EP-FILTER/projects/${projectId}/endpoints/${identity.id}`);
    const issued = await k.issueToken({ ...user, project });
    expect(issued.body.token.catalog?.map((c) => c.type)).toEqual(["identity"]);
    const r = await director(
      "catalog-filtered",
      { url: undefined },
      { username: user.name, project_name: project, system_scope: undefined },
    ).call("has_vm", [UNKNOWN_VM]);
    const message = r.response?.error?.message ?? "";
    expect(message).toMatch(/baremetal/);
    expect(message).toMatch(/identity/); // what the catalog does hold
  });
});

describe("TLS of Keystone", () => {
  test("another CA: TLS verification failed, naming Keystone's host", async () => {
    const r = await director("ks-other-ca", { ca_cert: s.chain.otherCa }).call("has_vm", [UNKNOWN_VM]);
    const message = r.response?.error?.message ?? "";
    expect(message).toMatch(/TLS verification/);
    expect(message).toMatch(/Keystone/);
    expect(message).toContain(new URL(s.front!.url).host);
    expect(r.duration_ms).toBeLessThan(15_000);
  });

  test("insecure: true works for Keystone and Ironic and is logged as a warning", async () => {
    const r = await director("ks-insecure", { ca_cert: undefined, insecure: true }).call("has_vm", [UNKNOWN_VM]);
    expect(r.response, r.protocolError).toMatchObject({ result: false, error: null });
    expect(warnings(r).join("\n")).toMatch(/TLS verification of Ironic is turned off/);
  });
});

test("no log line of this file holds a credential or a token", () => {
  const hits = capturedInThisFile().flatMap(({ source, text }) => findSecrets(text, allSecrets(), source));
  expect(hits).toEqual([]);
});

/** The config drives Ironic holds now (its database has them verbatim; the API masks them), as text. */
function configDrives(x: AuthenticatedIronic): string[] {
  const db = x.ironic.database;
  const sql = "select json_extract(instance_info,'$.configdrive') from nodes where instance_uuid is not null";
  const out =
    db.engine === "sqlite"
      ? execFileSync("sqlite3", [db.file, sql])
      : execFileSync("mariadb", [
          "--no-defaults",
          "-S",
          db.socket,
          "-uroot",
          "-N",
          "-B",
          "ironic",
          "-e",
          sql.replace(
            "json_extract(instance_info,'$.configdrive')",
            "json_unquote(json_extract(instance_info,'$.configdrive'))",
          ),
        ]);
  return out
    .toString()
    .split("\n")
    .filter((l) => l && l !== "NULL")
    .map((packed) => gunzipSync(Buffer.from(packed, "base64")).toString("latin1"));
}
