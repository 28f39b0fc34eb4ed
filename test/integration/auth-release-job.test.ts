// Issue 30, item 4: the release's ops files for an authenticated Ironic, as an operator applies them
// (`bosh create-env bosh.yml -o cpi.yml -o ironic-http-basic.yml | ironic-keystone.yml -v ...`), rendered into
// the ironic_cpi job with Ruby's ERB and laid out as create-env installs it; then calls through the rendered
// bin/cpi against the real, authenticated Ironic. Here rather than in test/release/ because it needs the real
// servers, and the integration project runs its files one at a time (two Ironics never share the cores).
// HTTP basic on plain HTTP (ironic-http-basic.yml has no ca_cert); Keystone over HTTPS from a private CA
// with an intermediate (ironic-keystone.yml carries ironic_ca_cert), a project-scoped user (the ops file
// names a project).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import YAML from "yaml";
import { type IronicServer, KEYSTONE_CPI_ROLES, KEYSTONE_SERVICE_PROJECT, startIronic } from "../harness/ironic.ts";
import { DIST, ensureBundle } from "../release/support/bundle.ts";
import { type Op, applyOps, interpolate } from "../release/support/go-patch.ts";
import { VARS } from "../release/support/manifest-vars.ts";
import { REPO, renderJob } from "../release/support/render.ts";
import { type AuthenticatedIronic, CPI_USER, startAuthenticatedIronic } from "../support/authenticated-ironic.ts";
import { captureLog, capturedInThisFile } from "../support/log-capture.ts";
import { SECRETS, allSecrets, findSecrets, registerSecret } from "../support/secrets.ts";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (path: string): Doc => YAML.parse(readFileSync(join(REPO, path), "utf8")) as Doc;

const WRONG_PASSWORD = "wrong-ops-pw-H4t8Wc1Nd";
registerSecret("wrongOpsPassword", WRONG_PASSWORD);
const UNKNOWN_VM = "7f1d2c3b-0000-4000-8000-0000000000d1";
const PROJECT_USER = "bosh-ops";

let work: string;
let basic: IronicServer;
let keystone: AuthenticatedIronic;

beforeAll(async () => {
  ensureBundle(["cpi.js"]);
  work = mkdtempSync(join(tmpdir(), "auth-release-job-"));
  basic = await startIronic({
    auth: { type: "http_basic", username: CPI_USER, password: SECRETS.ironicBasicPassword },
    tls: false,
  });
  keystone = await startAuthenticatedIronic({ kind: "keystone", work });
  await keystone.keystone!.createUser({
    name: PROJECT_USER,
    password: SECRETS.keystonePassword,
    project: KEYSTONE_SERVICE_PROJECT,
    roles: KEYSTONE_CPI_ROLES,
  });
}, 300_000);

afterAll(async () => {
  await basic?.stop();
  await keystone?.stop();

  if (work) rmSync(work, { recursive: true, force: true });
});

/** create-env's installation for bosh.yml + cpi.yml + `opsFile` with `vars` over the test's: its bin/cpi. */
function install(name: string, opsFile: string, vars: Record<string, unknown>): string {
  const ops = ["cpi.yml", opsFile].flatMap((f) => load(`release/manifests/${f}`) as Op[]);
  const manifest = interpolate(applyOps(load("test/release/fixtures/bosh-deployment.yml"), ops), { ...VARS, ...vars });
  const dir = join(work, name);
  const packages = join(dir, "packages");
  mkdirSync(join(packages, "node", "bin"), { recursive: true });
  symlinkSync(process.execPath, join(packages, "node", "bin", "node"));
  symlinkSync(DIST, join(packages, "bosh-ironic-cpi"));
  // create-env renders the job from cloud_provider.properties
  renderJob("ironic_cpi", manifest.cloud_provider.properties, join(dir, "jobs", "ironic_cpi"));
  return dir;
}

interface Answer {
  result: unknown;
  error: { type: string; message: string; ok_to_retry: boolean } | null;
}

/**
 * One call through the rendered bin/cpi, with create-env's environment. Asynchronous: Keystone's HTTPS front
 * lives in this process and must keep answering while the CPI runs.
 */
async function call(dir: string, method: string, args: unknown[]): Promise<Answer> {
  const child = spawn(join(dir, "jobs", "ironic_cpi", "bin", "cpi"), [], {
    env: {
      PATH: process.env["PATH"],
      HOME: dir,
      TMPDIR: tmpdir(),
      BOSH_PACKAGES_DIR: join(dir, "packages"),
      BOSH_JOBS_DIR: join(dir, "jobs"),
    },
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(JSON.stringify({ method, arguments: args, context: { director_uuid: "auth-release-job" } }));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  captureLog(`bin/cpi ${method} (${dir})`, stderr);
  if (code !== 0) throw new Error(`bin/cpi ${method} exited ${code}: ${stderr.slice(-2000)}`);
  return JSON.parse(stdout) as Answer;
}

describe("ironic-http-basic.yml", () => {
  const vars = () => ({
    ironic_url: basic.url,
    ironic_username: CPI_USER,
    ironic_password: SECRETS.ironicBasicPassword,
  });

  test("rendered, bin/cpi calls the Ironic behind HTTP basic auth", async () => {
    const dir = install("basic", "ironic-http-basic.yml", vars());
    expect(await call(dir, "has_vm", [UNKNOWN_VM])).toMatchObject({ result: false, error: null });
  });

  test("with a wrong password: refused, naming HTTP basic and the user, not the password", async () => {
    const dir = install("basic-wrong", "ironic-http-basic.yml", { ...vars(), ironic_password: WRONG_PASSWORD });
    const { error } = await call(dir, "has_vm", [UNKNOWN_VM]);
    expect(error?.message).toMatch(new RegExp(`HTTP basic auth of user "${CPI_USER}"`));
    expect(error?.message).not.toContain(WRONG_PASSWORD);
  });
});

describe("ironic-keystone.yml", () => {
  const vars = () => ({
    ironic_url: keystone.ironic.url,
    keystone_url: keystone.front!.authUrl,
    ironic_username: PROJECT_USER,
    ironic_password: SECRETS.keystonePassword,
    ironic_project: KEYSTONE_SERVICE_PROJECT,
    ironic_ca_cert: keystone.chain.bundle,
  });

  test("rendered with the CA bundle (root + intermediate), bin/cpi calls Ironic over TLS with a Keystone token", async () => {
    const dir = install("keystone", "ironic-keystone.yml", vars());
    const before = keystone.front!.tokenRequests().length;
    expect(await call(dir, "has_vm", [UNKNOWN_VM])).toMatchObject({ result: false, error: null });
    const issued = keystone.front!.tokenRequests().slice(before);
    expect(issued.map((t) => t.status)).toEqual([201]);
    registerSecret("ops-file CPI token", issued[0]!.subjectToken!);
  });

  test("with a CA that did not sign Keystone's certificate: TLS verification of Keystone failed, named", async () => {
    const dir = install("keystone-other-ca", "ironic-keystone.yml", {
      ...vars(),
      ironic_ca_cert: keystone.chain.otherCa,
    });
    const { error } = await call(dir, "has_vm", [UNKNOWN_VM]);
    expect(error?.message).toMatch(/TLS verification of Keystone/);
    expect(error?.message).toContain(new URL(keystone.front!.url).host);
  });
});

test("no log line of this file holds a credential or a token", () => {
  const hits = capturedInThisFile().flatMap(({ source, text }) => findSecrets(text, allSecrets(), source));
  expect(hits).toEqual([]);
});
