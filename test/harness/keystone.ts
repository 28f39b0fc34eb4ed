// A real Keystone (identity v3) on 127.0.0.1 for the tests of an authenticated Ironic: Debian 12's
// python3-keystone (Keystone 22), its own sqlite database and fernet keys in a temp state dir, served by
// Keystone's own `keystone-wsgi-public` (wsgiref, one request at a time: enough for a test's few clients).
// `keystone-manage` db_sync, fernet_setup, credential_setup and bootstrap (admin user, project and the
// admin/member/reader roles, RegionOne, the identity endpoint) take ~9 s; their result is cached per
// Keystone version in the harness cache and copied into each state dir. The bootstrap admin's
// password is made with the cache entry; `adminToken()` hands out its system-scoped token.
// The database is in WAL mode: Keystone 22 on sqlite leaves a read transaction open after creating a user or
// a project, and in sqlite's default journal mode the next write then failed with "database is locked"
// after 5 s (measured: POST /v3/users, then POST /v3/regions → 500); WAL lets writers pass readers.
// Passwords are hashed with 4 bcrypt rounds ([identity] password_hash_rounds), Keystone's minimum: a test
// authenticates hundreds of times, and 12 rounds cost a quarter second of CPU each.
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { removeDir, sleep, spawnDetached, tailFile } from "./detached-process.ts";
import { LOOPBACK, findFreePort } from "./free-port.ts";
import { harnessCacheDir } from "./ironic.ts";
import { ensureSystemDeps } from "./system-deps.ts";

const MANAGE = "/usr/bin/keystone-manage";
const WSGI_PUBLIC = "/usr/bin/keystone-wsgi-public";
/** Debian's interpreter: the one that sees python3-keystone. */
const PYTHON = "/usr/bin/python3";

export interface KeystoneOptions {
  /** [token] expiration in s (default 3600, Keystone's own): short ones make tokens expire mid-call */
  tokenExpiration?: number;
  /** readiness timeout in ms (default 60 000) */
  startTimeoutMs?: number;
  /** kill Keystone when this Node process exits without stop() (default true) */
  killOnExit?: boolean;
}

export interface KeystoneUser {
  name: string;
  password: string;
  /** "Default" */
  domain: string;
  /** the project its token is scoped to */
  project: string;
  id: string;
}

export interface CatalogEndpoint {
  region: string;
  interface: "public" | "internal" | "admin";
  url: string;
}

export interface KeystoneServer {
  /** http://127.0.0.1:PORT, no trailing slash, no /v3 */
  readonly url: string;
  /** url + "/v3": what clients are given as auth_url */
  readonly authUrl: string;
  /** e.g. "2:22.0.2-0+deb12u6 (Debian)" */
  readonly version: string;
  readonly tokenExpiration: number;
  readonly stateDir: string;
  readonly logFile: string;
  /** from the launch to ready (bootstrap from the cache included), ms */
  readonly startupMs: number;
  /** the bootstrap admin's password (register it with the test's secrets) */
  readonly adminPassword: string;
  /** A system-scoped token of the bootstrap admin, renewed once it (nearly) expired, or when `renew`. */
  adminToken(renew?: boolean): Promise<string>;
  /** Keystone's identity API as that admin: `path` below /v3; JSON in and out; throws on another status. */
  api<T = unknown>(method: string, path: string, body?: unknown, ok?: readonly number[]): Promise<T>;
  /** POST /v3/auth/tokens with a password, scoped to the user's project: the token and the body. */
  issueToken(
    user: Pick<KeystoneUser, "name" | "password" | "domain" | "project">,
  ): Promise<{ token: string; body: TokenBody }>;
  /** DELETE /v3/auth/tokens: Keystone revokes the token at once. */
  revokeToken(token: string): Promise<void>;
  /** The id of project `name` (domain Default), made when missing. */
  ensureProject(name: string): Promise<string>;
  /** The id of role `name`, made when missing. */
  ensureRole(name: string): Promise<string>;
  /** A new user of domain Default with `roles` on `project` (made when missing) and `systemRoles` on the system. */
  createUser(o: {
    name: string;
    password: string;
    project: string;
    roles: readonly string[];
    systemRoles?: readonly string[];
  }): Promise<KeystoneUser>;
  /** The id of region `name`, made when missing. */
  ensureRegion(name: string): Promise<string>;
  /** Registers a service and its endpoints, replacing any service of the same type. Returns endpoint ids. */
  registerService(type: string, name: string, endpoints: readonly CatalogEndpoint[]): Promise<string[]>;
  /** last n lines of Keystone's log and output */
  logTail(n?: number): string;
  /** SIGTERM (SIGKILL after 5 s), removes the state dir. Idempotent. */
  stop(): Promise<void>;
}

export interface TokenBody {
  token: {
    expires_at: string;
    catalog?: {
      type: string;
      name?: string;
      endpoints: { interface: string; region_id?: string; region?: string; url: string }[];
    }[];
    roles?: { name: string }[];
  };
}

function keystoneVersion(): string {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Version}", "python3-keystone"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : "unknown";
}

function keystoneConf(dir: string, port: number, expiration: number): string {
  return `# generated by the bosh-ironic-cpi test harness - Keystone for tests
[DEFAULT]
log_file = ${dir}/log/keystone.log
use_stderr = false
public_endpoint = http://${LOOPBACK}:${port}/

[database]
connection = sqlite:///${dir}/keystone.sqlite

[identity]
password_hash_rounds = 4

[token]
provider = fernet
expiration = ${expiration}

[fernet_tokens]
key_repository = ${dir}/fernet-keys

[fernet_receipts]
key_repository = ${dir}/fernet-keys

[credential]
key_repository = ${dir}/credential-keys
`;
}

async function manage(conf: string, args: string[], cwd: string): Promise<void> {
  try {
    await promisify(execFile)(PYTHON, [MANAGE, "--config-file", conf, ...args], {
      cwd,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`.split("\n").slice(-30).join("\n");
    // the command line holds the bootstrap password: never in an error
    const first = e.message.split("\n")[0]!.replace(/--bootstrap-password=\S+/, "--bootstrap-password=<hidden>");
    throw new Error(`startKeystone: keystone-manage ${args[0]} failed (${first}):\n${out}`);
  }
}

/**
 * The bootstrapped database, fernet and credential keys and admin password of this Keystone version: from
 * the cache, else made (and cached, atomically: concurrent starters never see half an entry).
 */
async function bootstrapped(version: string): Promise<string> {
  const key = `keystone-${version}-wal`.replace(/[^A-Za-z0-9.-]/g, "_");
  const cached = join(harnessCacheDir(), key);
  if (existsSync(join(cached, "admin-password"))) return cached;
  mkdirSync(harnessCacheDir(), { recursive: true });
  const dir = mkdtempSync(join(harnessCacheDir(), `${key}.tmp-`));
  try {
    for (const sub of ["log", "fernet-keys", "credential-keys"]) mkdirSync(join(dir, sub), { recursive: true });
    const conf = join(dir, "keystone.conf");
    // the bootstrap's identity endpoint names a placeholder port: each start re-points it
    writeFileSync(conf, keystoneConf(dir, 5000, 3600));
    const password = randomBytes(18).toString("base64url");
    const owner = ["--keystone-user", "root", "--keystone-group", "root"];
    await manage(conf, ["db_sync"], dir);
    await manage(conf, ["fernet_setup", ...owner], dir);
    await manage(conf, ["credential_setup", ...owner], dir);
    await manage(
      conf,
      [
        "bootstrap",
        // one word: a random password may start with "-", which argparse takes for an option (seen in CI)
        `--bootstrap-password=${password}`,
        "--bootstrap-region-id",
        "RegionOne",
        "--bootstrap-public-url",
        `http://${LOOPBACK}:5000/v3`,
      ],
      dir,
    );
    await promisify(execFile)("sqlite3", [join(dir, "keystone.sqlite"), "PRAGMA journal_mode=WAL;"], {
      timeout: 30_000,
    });
    writeFileSync(join(dir, "admin-password"), password, { mode: 0o600 });
    try {
      renameSync(dir, cached);
    } catch {
      removeDir(dir); // another starter made it first
    }
  } catch (err) {
    removeDir(dir);
    throw err;
  }
  return cached;
}

async function http(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, {
    method,
    headers: {
      accept: "application/json",
      ...headers,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Starts Keystone; resolves once it answers GET /v3. Never skips: throws with its log. */
export async function startKeystone(opts: KeystoneOptions = {}): Promise<KeystoneServer> {
  await ensureSystemDeps([MANAGE, WSGI_PUBLIC, PYTHON], "startKeystone");
  const expiration = opts.tokenExpiration ?? 3600;
  if (!Number.isInteger(expiration) || expiration < 1)
    throw new Error(`startKeystone: tokenExpiration must be a positive integer (got ${expiration})`);
  const t0 = performance.now();
  const version = keystoneVersion();
  const template = await bootstrapped(version);
  const stateDir = mkdtempSync(join(tmpdir(), "bosh-ironic-cpi-keystone-"));
  try {
    for (const f of ["keystone.sqlite", "fernet-keys", "credential-keys"])
      cpSync(join(template, f), join(stateDir, f), { recursive: true });
    mkdirSync(join(stateDir, "log"), { recursive: true });
    const adminPassword = readFileSync(join(template, "admin-password"), "utf8");
    const port = await findFreePort(1);
    const conf = join(stateDir, "keystone.conf");
    writeFileSync(conf, keystoneConf(stateDir, port, expiration));
    const url = `http://${LOOPBACK}:${port}`;
    const logFile = join(stateDir, "log", "keystone.log");
    const outFile = join(stateDir, "log", "keystone-wsgi.stdout");
    const proc = spawnDetached(
      PYTHON,
      [WSGI_PUBLIC, "--host", LOOPBACK, "--port", String(port), "--", "--config-file", conf],
      {
        cwd: stateDir,
        outFile,
        killOnExit: opts.killOnExit,
        cleanupOnExit: () => removeDir(stateDir),
      },
    );
    const logTail = (n = 40) =>
      [logFile, outFile]
        .map((f) => [f, tailFile(f, n)] as const)
        .filter(([, text]) => text)
        .map(([f, text]) => `--- ${f} ---\n${text}`)
        .join("\n");
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        await proc.stop(5_000);
        removeDir(stateDir);
      })());

    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    for (;;) {
      const ok = await http("GET", `${url}/v3`, {}).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (proc.exitStatus() !== undefined || Date.now() > deadline) {
        const why = proc.exitStatus()
          ? `exited during start-up (${proc.exitStatus()})`
          : "did not answer GET /v3 in time";
        const tail = logTail(40);
        await stop();
        throw new Error(`startKeystone: Keystone (${url}) ${why}.\n${tail || "(no log)"}`);
      }
      await sleep(100);
    }

    /** POST /v3/auth/tokens with a password and a scope: the token and its body, or an error naming `who`. */
    const passwordToken = async (
      who: string,
      user: { name: string; domain: string; password: string },
      scope: Record<string, unknown>,
    ): Promise<{ token: string; body: TokenBody }> => {
      const identity = {
        methods: ["password"],
        password: { user: { name: user.name, domain: { name: user.domain }, password: user.password } },
      };
      const r = await http("POST", `${url}/v3/auth/tokens`, {}, { auth: { identity, scope } });
      const token = r.headers.get("x-subject-token");
      if (r.status !== 201 || !token) throw new Error(`Keystone: ${who} → ${r.status}: ${r.text.slice(0, 300)}`);
      return { token, body: JSON.parse(r.text) as TokenBody };
    };

    const issueToken: KeystoneServer["issueToken"] = (user) =>
      passwordToken(`token for ${user.name}`, user, { project: { name: user.project, domain: { name: "Default" } } });

    let admin: { token: string; expires: number } | undefined;
    const adminToken = async (renew = false): Promise<string> => {
      if (renew) admin = undefined;
      if (admin && admin.expires - Date.now() > 2_000) return admin.token;
      const { token, body } = await passwordToken(
        "admin token",
        { name: "admin", domain: "Default", password: adminPassword },
        { system: { all: true } },
      );
      admin = { token, expires: Date.parse(body.token.expires_at) };
      return token;
    };
    const api = async <T>(method: string, path: string, body?: unknown, ok: readonly number[] = []): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        const r = await http(method, `${url}/v3${path}`, { "x-auth-token": await adminToken() }, body);
        if (r.status === 401 && attempt === 1) {
          await adminToken(true); // expired between the check and the call
          continue;
        }
        if (r.status >= 300 && !ok.includes(r.status))
          throw new Error(
            `Keystone ${method} /v3${path} → ${r.status}: ${r.text.slice(0, 300)}${r.status >= 500 ? `\n${logTail(20)}` : ""}`,
          );
        return (r.text ? JSON.parse(r.text) : undefined) as T;
      }
    };
    const findId = async (collection: string, name: string, query = "") => {
      const list = await api<Record<string, { id: string; name: string }[]>>(
        "GET",
        `/${collection}?name=${encodeURIComponent(name)}${query}`,
      );
      return list[collection]?.find((e) => e.name === name)?.id;
    };
    const ensureProject = async (name: string) =>
      (await findId("projects", name)) ??
      (await api<{ project: { id: string } }>("POST", "/projects", { project: { name, domain_id: "default" } })).project
        .id;
    const ensureRole = async (name: string) =>
      (await findId("roles", name)) ??
      (await api<{ role: { id: string } }>("POST", "/roles", { role: { name } })).role.id;
    const ensureRegion = async (name: string) => {
      const got = await api<{ region: { id: string } } | undefined>(
        "GET",
        `/regions/${encodeURIComponent(name)}`,
        undefined,
        [404],
      );
      if (got?.region) return got.region.id;
      return (await api<{ region: { id: string } }>("POST", "/regions", { region: { id: name } })).region.id;
    };
    const createUser: KeystoneServer["createUser"] = async (o) => {
      const projectId = await ensureProject(o.project);
      const { user } = await api<{ user: { id: string } }>("POST", "/users", {
        user: { name: o.name, password: o.password, domain_id: "default", default_project_id: projectId },
      });
      for (const role of o.roles) {
        await api("PUT", `/projects/${projectId}/users/${user.id}/roles/${await ensureRole(role)}`);
      }
      for (const role of o.systemRoles ?? []) {
        await api("PUT", `/system/users/${user.id}/roles/${await ensureRole(role)}`);
      }
      return { name: o.name, password: o.password, domain: "Default", project: o.project, id: user.id };
    };
    const registerService: KeystoneServer["registerService"] = async (type, name, endpoints) => {
      const { services } = await api<{ services: { id: string }[] }>(
        "GET",
        `/services?type=${encodeURIComponent(type)}`,
      );
      for (const s of services) {
        const { endpoints: old } = await api<{ endpoints: { id: string }[] }>("GET", `/endpoints?service_id=${s.id}`);
        for (const e of old) await api("DELETE", `/endpoints/${e.id}`);
        await api("DELETE", `/services/${s.id}`);
      }
      const { service } = await api<{ service: { id: string } }>("POST", "/services", {
        service: { type, name, enabled: true },
      });
      const ids: string[] = [];
      for (const e of endpoints) {
        await ensureRegion(e.region);
        const made = await api<{ endpoint: { id: string } }>("POST", "/endpoints", {
          endpoint: { service_id: service.id, region_id: e.region, interface: e.interface, url: e.url, enabled: true },
        });
        ids.push(made.endpoint.id);
      }
      return ids;
    };

    // the bootstrap's identity endpoint (cached with a placeholder port) names this Keystone; an internal
    // one beside it is what keystonemiddleware looks up (its [keystone_authtoken] interface is internal)
    const { endpoints } = await api<{ endpoints: { id: string; url: string; service_id: string }[] }>(
      "GET",
      "/endpoints?interface=public",
    );
    for (const e of endpoints.filter((e) => e.url.endsWith(":5000/v3"))) {
      await api("PATCH", `/endpoints/${e.id}`, { endpoint: { url: `${url}/v3` } });
      await api("POST", "/endpoints", {
        endpoint: { service_id: e.service_id, region_id: "RegionOne", interface: "internal", url: `${url}/v3` },
      });
    }

    return {
      url,
      authUrl: `${url}/v3`,
      version: `${version} (Debian)`,
      tokenExpiration: expiration,
      stateDir,
      logFile,
      startupMs: Math.round(performance.now() - t0),
      adminPassword,
      adminToken,
      api,
      issueToken,
      revokeToken: async (token) => {
        const r = await http("DELETE", `${url}/v3/auth/tokens`, {
          "x-auth-token": await adminToken(),
          "x-subject-token": token,
        });
        if (r.status !== 204) throw new Error(`Keystone: revoking a token → ${r.status}: ${r.text.slice(0, 300)}`);
      },
      ensureProject,
      ensureRole,
      createUser,
      ensureRegion,
      registerService,
      logTail,
      stop,
    };
  } catch (err) {
    removeDir(stateDir);
    throw err;
  }
}
