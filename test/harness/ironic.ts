// A real, standalone OpenStack Ironic on loopback for tests, the demo and benchmarks, fake-hardware
// (redfish and ipmi enabled too), in one of two releases (ironic-release.ts: today's from PyPI, the default,
// or Debian 12's 21.4; IRONIC_RELEASE picks one for a whole run) and one of two shapes:
// - "all-in-one" (the default): one `ironic` process (API + conductor, rpc_transport = none) on sqlite,
//   as the reference ironic-dev.sh "single" mode;
// - "distributed", Ironic's production shape: MariaDB, one `ironic-api` and two `ironic-conductor`s
//   talking json-rpc, in conductor groups az1 (conductor 127.0.0.1) and az2 (127.0.0.2). json-rpc
//   reaches every conductor at <its host>:<one port>, hence one loopback address per conductor.
// IRONIC_SHAPE=distributed picks the second for a whole test run.
// The API is open (noauth) by default; `auth` puts it behind Ironic's own HTTP basic auth (an htpasswd file
// of bcrypt entries, as Bifrost does) or behind a real Keystone (keystone.ts; keystonemiddleware validates
// every token), and `tls` makes Ironic serve HTTPS itself from a private CA with an intermediate
// (tls-chain.ts). IRONIC_AUTH=http_basic|keystone and IRONIC_TLS=1 pick them for a whole run. Then
// `access` is what a CPI configuration needs (url, auth, ca_cert) and `adminUrl` a plain-HTTP way in with
// the harness's admin credentials for fixtures (admin-proxy.ts).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  copyFileSync,
  existsSync,
  readFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { randomBytes } from "node:crypto";
import { type AdminCredentials, type AdminProxy, startAdminProxy } from "./admin-proxy.ts";
import { spawnDetached, removeDir, sleep, tailFile } from "./detached-process.ts";
import { LOOPBACK, findFreePort, isPortFree } from "./free-port.ts";
import { type ApiAuth, type IronicConfig, ironicConfig, mergeConfig, renderIni } from "./ironic-config.ts";
import { type IronicInstall, type IronicRelease, pythonEnv, releaseFromEnv, resolveIronic } from "./ironic-release.ts";
import type { CatalogEndpoint, KeystoneServer } from "./keystone.ts";
import { startMariadb } from "./mariadb.ts";
import { ensureSystemDeps } from "./system-deps.ts";
import { type TlsChain, makeTlsChain } from "./tls-chain.ts";

export type { IronicConfig } from "./ironic-config.ts";
export type { IronicRelease } from "./ironic-release.ts";

/** Fake-hardware delay: whole seconds, `N` or `"MIN,MAX"`. Ironic parses it with int(): "0.5" breaks power calls. */
export type FakeDelay = number | `${number},${number}`;

export type IronicShape = "all-in-one" | "distributed";

/** Who may call the API. Users and passwords not given are made up (random passwords). */
export type IronicAuthOption =
  | { type: "noauth" }
  /** the CPI's htpasswd entry (default user "bosh"); the harness adds its own admin entry */
  | { type: "http_basic"; username?: string; password?: string }
  | {
      type: "keystone";
      /** default: a Keystone of Ironic's own, stopped with it */
      keystone?: KeystoneServer;
      /** the CPI's Keystone user (default "bosh") */
      username?: string;
      password?: string;
      /** the scope of its token (default "system": `admin` on the system, what Ironic 39's policy asks for the
       * whole of what the CPI does; "project": `service` and `admin` in the service project, see
       * KEYSTONE_CPI_ROLES) */
      scope?: "system" | "project";
      /** keystonemiddleware's [keystone_authtoken] token_cache_time (default -1: no cache, every token is
       * checked with Keystone, so a revoked or expired one is refused at once; Ironic's own default is 300) */
      tokenCacheTime?: number;
    };

/** The `ironic` section of a CPI configuration for this server (the CPI's own key names). */
export interface IronicAccess {
  url: string;
  auth:
    | { type: "noauth" }
    | { type: "http_basic"; username: string; password: string }
    | {
        type: "keystone";
        auth_url: string;
        username: string;
        password: string;
        /** one of project_name and system_scope */
        project_name?: string;
        system_scope?: "all";
        user_domain_name: string;
        project_domain_name: string;
        region_name: string;
        interface: "public" | "internal";
      };
  /** the CA bundle (root + intermediate) when the API serves HTTPS */
  ca_cert?: string;
}

/** What Ironic 39's default policy (ironic/common/policy.py) lets a token do for the CPI:
 * - system scope with `admin` (SYSTEM_ADMIN): everything, among it what nothing else may do: turning a
 *   server's automated cleaning off (baremetal:node:disable_cleaning: the CPI's hold on persistent disks),
 *   deleting any node, shards;
 * - the service project ([DEFAULT] rbac_service_project_name) with `service` (rule:service_role, given
 *   rbac_service_role_elevated_access): list, claim, provision and power every node; with `admin` there too
 *   what Ironic keeps to a node's owner project: the ports and the deletion of the nodes the CPI enrolled
 *   (node:create:self_owned_node makes the project their owner). Not disable_cleaning: create_disk is refused. */
export const KEYSTONE_SERVICE_PROJECT = "service";
export const KEYSTONE_CPI_ROLES = ["service", "admin"] as const;
/** The catalog the harness registers for Ironic: two regions, public and internal each. */
export const CATALOG_REGIONS = ["RegionOne", "RegionTwo"] as const;

export interface IronicOptions {
  /** default: $IRONIC_SHAPE, else "all-in-one" */
  shape?: IronicShape;
  /** default: $IRONIC_RELEASE, else "pypi" (today's Ironic); "debian" is Debian 12's 21.4 */
  release?: IronicRelease;
  /** the address the API, json-rpc and [deploy] http_url bind to (default 127.0.0.1); the distributed
   * shape's conductors keep 127.0.0.1 and 127.0.0.2 for json-rpc */
  host?: string;
  /** run every Ironic process inside this network namespace (`ip netns exec`; its `lo` is brought up).
   * The readiness probe runs in it too; MariaDB stays outside, reached through its socket. */
  netns?: string;
  /** sections and keys merged over the rendered ironic.conf (key by key), e.g.
   * `{ deploy: { http_url: "http://10.0.0.1:8080" }, agent: { ... } }` */
  extraConfig?: IronicConfig;
  /** ready once the API lists this hardware type with a conductor (default "fake-hardware") */
  driver?: string;
  /** State dir (config, sqlite, logs). Default: a new temp dir. An existing ironic.sqlite in it is reused. */
  stateDir?: string;
  /** API port on `host`; default a free one with port+1 and port+2 also free (the config names them). */
  port?: number;
  fakeDeployDelay?: FakeDelay;
  fakePowerDelay?: FakeDelay;
  fakeBootDelay?: FakeDelay;
  fakeManagementDelay?: FakeDelay;
  /** provision-state, allocation and heartbeat period in s (default 5) */
  syncInterval?: number;
  /** power-sync period in s (default syncInterval); raise it for hundreds of nodes */
  powerSyncInterval?: number;
  /** [conductor] deploy_callback_timeout in s (default 120) */
  deployCallbackTimeout?: number;
  /** [conductor] automated_clean (default false: provide/undeploy pass through cleaning in ms) */
  automatedClean?: boolean;
  debug?: boolean;
  /** keep the state dir on stop(); default true when stateDir was given, false for the temp dir */
  keep?: boolean;
  /** readiness timeout in ms (default 90 000) */
  startTimeoutMs?: number;
  /** kill Ironic when this Node process exits without stop() (default true) */
  killOnExit?: boolean;
  /** who may call the API (default $IRONIC_AUTH, else noauth) */
  auth?: IronicAuthOption;
  /** HTTPS on the API from Ironic's own TLS settings: true makes a chain in the state dir (default
   * $IRONIC_TLS=1, else plain HTTP) */
  tls?: boolean | TlsChain;
}

export interface IronicServer {
  /** http(s)://HOST:PORT (no trailing slash): the API as clients reach it */
  readonly url: string;
  /** what a CPI configuration's `ironic` section needs: url, auth, ca_cert */
  readonly access: IronicAccess;
  /** plain HTTP without credentials for fixtures: the admin proxy when auth or TLS is on, else `url` */
  readonly adminUrl: string;
  /** the headers of the harness's admin ({} for noauth) */
  adminHeaders(): Promise<Record<string, string>>;
  readonly tls: TlsChain | undefined;
  /** the Keystone of `auth: keystone` */
  readonly keystone: KeystoneServer | undefined;
  readonly port: number;
  readonly stateDir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly pid: number;
  /** which Ironic and its version: "39.0.0 (PyPI)", "1:21.4.4-0+deb12u3 (Debian)" */
  readonly version: string;
  readonly release: IronicRelease;
  /** from the launch to ready, ms */
  readonly startupMs: number;
  /** SIGTERM, SIGKILL after 10 s; removes the state dir unless keep. Idempotent. */
  stop(): Promise<void>;
  /** last n lines of the Ironic log (and of the process stdout/stderr when not empty) */
  logTail(n?: number): string;
  readonly shape: IronicShape;
  /** where Ironic keeps its state: tests read what its API masks (a config drive) or cannot set */
  readonly database: IronicDatabase;
  /** the conductors of the distributed shape (empty for all-in-one), to stop and start one */
  readonly conductors: readonly Conductor[];
}

export type IronicDatabase = { engine: "sqlite"; file: string } | { engine: "mariadb"; socket: string };

export interface Conductor {
  /** its [DEFAULT] host and json-rpc address */
  readonly host: string;
  /** the name Ironic lists it under (/v1/conductors, node.conductor): its host for Debian's 21.4, host:port
   * for today's Ironic, which names a json-rpc conductor on a port other than 8089 so (RPC API 1.58,
   * conductor/base_manager.py prepare_host) */
  readonly name: string;
  readonly group: string;
  /** SIGKILL, as a crash: Ironic learns of it only when the heartbeat goes stale */
  kill(): Promise<void>;
  /** starts it again (after kill); resolves once the API lists it for fake-hardware again */
  start(): Promise<void>;
}

/** The distributed shape's conductors: host (a loopback address) and conductor group. */
const CONDUCTORS = [
  { host: "127.0.0.1", group: "az1" },
  { host: "127.0.0.2", group: "az2" },
] as const;

const DELAY_RE = /^\d+(,\d+)?$/;

function checkDelay(name: string, v: FakeDelay | undefined): string {
  const s = String(v ?? 0);
  if (!DELAY_RE.test(s))
    throw new Error(`startIronic: ${name} must be whole seconds N or "MIN,MAX" (got ${JSON.stringify(v)})`);
  return s;
}

function checkSeconds(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new Error(`startIronic: ${name} must be a positive integer (got ${v})`);
  return n;
}

/** Cache dir for the empty schema (per release and version), shared by all state dirs of this user. */
export function harnessCacheDir(): string {
  return join(tmpdir(), "bosh-ironic-cpi-cache");
}

/**
 * Puts an empty Ironic schema at <stateDir>/ironic.sqlite: copied from the cache (keyed by release and
 * version), else made with `ironic-dbsync create_schema` (`upgrade` fails on sqlite) and then cached.
 */
async function createSchema(stateDir: string, configFile: string, install: IronicInstall): Promise<void> {
  const db = join(stateDir, "ironic.sqlite");
  const key = `${install.release}-${install.version}`.replace(/[^A-Za-z0-9.-]/g, "_");
  const cached = join(harnessCacheDir(), `ironic-schema-${key}.sqlite`);
  if (existsSync(cached) && statSync(cached).size > 0) {
    copyFileSync(cached, db);
    return;
  }
  await dbsync(install, configFile, stateDir, "create_schema");
  try {
    mkdirSync(harnessCacheDir(), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    copyFileSync(db, tmp);
    renameSync(tmp, cached); // atomic: concurrent starters never see a half-written template
  } catch {
    /* caching is an optimisation only */
  }
}

/** `ip netns exec NS` before a command when Ironic runs in a namespace. */
function inNetns(netns: string | undefined, bin: string, args: string[]): [string, string[]] {
  return netns ? ["ip", ["netns", "exec", netns, bin, ...args]] : [bin, args];
}

/** How the harness itself calls the API: the CA it trusts (a file for curl) and its admin credentials. */
interface AdminAccess {
  caFile?: string | undefined;
  credentials: AdminCredentials;
}

const OPEN: AdminAccess = { credentials: { headers: async () => ({}), renew: () => false } };

/** One GET over http(s) with the CA and headers given; the body as JSON, undefined unless 2xx. */
function getJson(url: string, headers: Record<string, string>, ca: string | undefined): Promise<unknown> {
  const request = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(url, { headers, timeout: 2_000, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
        try {
          resolve(ok ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined);
        } catch (err) {
          reject(err);
        }
      });
      res.on("error", reject);
    });
    r.on("timeout", () => r.destroy(new Error(`GET ${url} timed out`)));
    r.on("error", reject);
    r.end();
  });
}

/** GET an API path from where Ironic runs (this process, or curl inside the namespace), as the admin. */
async function apiGet(
  url: string,
  path: string,
  netns: string | undefined,
  admin: AdminAccess = OPEN,
): Promise<unknown> {
  const headers = { "X-OpenStack-Ironic-API-Version": "latest", ...(await admin.credentials.headers()) };
  if (netns) {
    const flags = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const ca = admin.caFile ? ["--cacert", admin.caFile] : [];
    const [cmd, args] = inNetns(netns, "curl", ["-sf", "-m", "2", ...ca, ...flags, `${url}${path}`]);
    const { stdout } = await promisify(execFile)(cmd, args, { timeout: 5_000 });
    return JSON.parse(stdout);
  }
  const ca = admin.caFile ? readFileSync(admin.caFile, "utf8") : undefined;
  return getJson(`${url}${path}`, headers, ca);
}

/** True once `driver` lists at least `hosts` conductors. */
async function driversReady(
  url: string,
  driver: string,
  hosts: number,
  netns: string | undefined,
  admin: AdminAccess,
): Promise<boolean> {
  try {
    const body = (await apiGet(url, "/v1/drivers", netns, admin)) as
      | { drivers?: { name: string; hosts?: string[] }[] }
      | undefined;
    return (body?.drivers ?? []).some((d) => d.name === driver && (d.hosts?.length ?? 0) >= hosts);
  } catch {
    return false;
  }
}

function shapeFromEnv(): IronicShape {
  const v = process.env["IRONIC_SHAPE"] ?? "all-in-one";
  if (v !== "all-in-one" && v !== "distributed")
    throw new Error(`IRONIC_SHAPE must be all-in-one or distributed, not ${JSON.stringify(v)}`);
  return v;
}

function authFromEnv(): IronicAuthOption {
  const v = process.env["IRONIC_AUTH"] ?? "noauth";
  if (v !== "noauth" && v !== "http_basic" && v !== "keystone")
    throw new Error(`IRONIC_AUTH must be noauth, http_basic or keystone, not ${JSON.stringify(v)}`);
  return { type: v };
}

function tlsFromEnv(): boolean {
  const v = process.env["IRONIC_TLS"] ?? "0";
  if (v !== "0" && v !== "1") throw new Error(`IRONIC_TLS must be 0 or 1, not ${JSON.stringify(v)}`);
  return v === "1";
}

const HTPASSWD = "/usr/bin/htpasswd";
const password = () => randomBytes(18).toString("base64url");

/** An htpasswd entry `user:$2y$…` (bcrypt, the only digest Ironic accepts); the password goes in on stdin. */
async function bcryptEntry(user: string, pw: string): Promise<string> {
  await ensureSystemDeps([HTPASSWD], "startIronic (http_basic)");
  return new Promise((resolve, reject) => {
    const child = execFile(HTPASSWD, ["-niB", user], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`startIronic: htpasswd -niB ${user} failed: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
    child.stdin?.end(`${pw}\n`);
  });
}

/** What the API's auth needs before Ironic starts, and how the CPI and the harness then get in. */
interface AuthSetup {
  api: ApiAuth;
  cpi: IronicAccess["auth"];
  admin: AdminCredentials;
  keystone?: KeystoneServer;
  /** stops what this setup started (its own Keystone) */
  stop(): Promise<void>;
}

async function setupAuth(auth: IronicAuthOption, stateDir: string, apiUrl: string): Promise<AuthSetup> {
  const none = async () => {};
  switch (auth.type) {
    case "noauth":
      return { api: { strategy: "noauth" }, cpi: { type: "noauth" }, admin: OPEN.credentials, stop: none };
    case "http_basic": {
      const cpi = {
        type: "http_basic" as const,
        username: auth.username ?? "bosh",
        password: auth.password ?? password(),
      };
      const adminPassword = password();
      const userFile = join(stateDir, "htpasswd");
      const entries = [
        await bcryptEntry("harness-admin", adminPassword),
        await bcryptEntry(cpi.username, cpi.password),
      ];
      writeFileSync(userFile, `${entries.join("\n")}\n`, { mode: 0o600 });
      const header = `Basic ${Buffer.from(`harness-admin:${adminPassword}`).toString("base64")}`;
      return {
        api: { strategy: "http_basic", userFile },
        cpi,
        admin: { headers: async () => ({ authorization: header }), renew: () => false },
        stop: none,
      };
    }
    case "keystone": {
      const own = auth.keystone === undefined;
      let stale = false; // Ironic refused the admin's token: the next request gets a new one
      const keystone = auth.keystone ?? (await (await import("./keystone.ts")).startKeystone());
      try {
        const port = new URL(apiUrl).port;
        // keystonemiddleware's own user: the `service` role lets it validate tokens (Keystone's
        // identity:validate_token policy); the CPI's user gets what Ironic's policy asks of it
        const service = await keystone.createUser({
          name: `ironic-${port}-${randomBytes(3).toString("hex")}`,
          password: password(),
          project: KEYSTONE_SERVICE_PROJECT,
          roles: ["service"],
        });
        const system = (auth.scope ?? "system") === "system";
        const user = await keystone.createUser({
          name: auth.username ?? "bosh",
          password: auth.password ?? password(),
          project: KEYSTONE_SERVICE_PROJECT,
          roles: system ? [] : KEYSTONE_CPI_ROLES,
          systemRoles: system ? ["admin"] : [],
        });
        const endpoints: CatalogEndpoint[] = CATALOG_REGIONS.flatMap((region) =>
          (["public", "internal"] as const).map((i) => ({ region, interface: i, url: apiUrl })),
        );
        await keystone.registerService("baremetal", "ironic", endpoints);
        return {
          api: {
            strategy: "keystone",
            authtoken: {
              auth_type: "password",
              auth_url: keystone.authUrl,
              www_authenticate_uri: keystone.authUrl,
              username: service.name,
              password: service.password,
              user_domain_name: "Default",
              project_name: KEYSTONE_SERVICE_PROJECT,
              project_domain_name: "Default",
              token_cache_time: auth.tokenCacheTime ?? -1,
              service_token_roles_required: true,
            },
          },
          cpi: {
            type: "keystone",
            auth_url: keystone.authUrl,
            username: user.name,
            password: user.password,
            ...(system ? { system_scope: "all" as const } : { project_name: KEYSTONE_SERVICE_PROJECT }),
            user_domain_name: "Default",
            project_domain_name: "Default",
            region_name: CATALOG_REGIONS[0],
            interface: "public",
          },
          admin: {
            headers: async () => {
              const token = await keystone.adminToken(stale);
              stale = false;
              return { "x-auth-token": token };
            },
            renew: () => (stale = true),
          },
          keystone,
          stop: own ? () => keystone.stop() : none,
        };
      } catch (err) {
        if (own) await keystone.stop();
        throw err;
      }
    }
  }
}

/** `ironic-dbsync <command>`, its output in the error when it fails. */
async function dbsync(
  install: IronicInstall,
  configFile: string,
  cwd: string,
  command: "create_schema" | "upgrade",
): Promise<void> {
  try {
    await promisify(execFile)(install.bin.dbsync, ["--config-file", configFile, command], {
      cwd,
      env: pythonEnv(),
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`.split("\n").slice(-30).join("\n");
    throw new Error(`startIronic: ironic-dbsync ${command} failed (${e.message.split("\n")[0]}):\n${out}`);
  }
}

/** A port P on `host` with P+1 and P+2 free too (inside a fresh namespace every port is free). */
async function freePorts(host: string, netns: string | undefined): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await findFreePort(3);
    if (netns || host === LOOPBACK) return port;
    const free = await Promise.all([0, 1, 2].map((k) => isPortFree(port + k, host)));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`startIronic: no 3 consecutive free ports on ${host}`);
}

/** Waits until the API lists `hosts` conductors for the driver; a process that exits fails it at once. */
async function waitReady(
  o: { url: string; driver: string; netns: string | undefined; timeoutMs: number; admin: AdminAccess },
  hosts: number,
  procs: readonly { exitStatus(): string | undefined; pid: number }[],
  logTail: (n?: number) => string,
  stop: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (await driversReady(o.url, o.driver, hosts, o.netns, o.admin)) return;
    const dead = procs.find((p) => p.exitStatus() !== undefined);
    if (dead || Date.now() > deadline) {
      const tail = logTail(40);
      const why = dead
        ? `process ${dead.pid} exited during start-up (${dead.exitStatus()})`
        : `did not list ${o.driver} with ${hosts} conductor(s) within ${o.timeoutMs / 1000} s`;
      await stop().catch(() => undefined);
      throw new Error(`startIronic: Ironic (${url(o)}) ${why}.\n${tail || "(no log)"}`);
    }
    await sleep(o.netns ? 250 : 100);
  }
}

const url = (o: { url: string; netns: string | undefined }) => (o.netns ? `${o.url} in netns ${o.netns}` : o.url);

/** Starts Ironic and resolves once `GET /v1/drivers` lists the driver with a conductor host. Never skips: throws. */
export async function startIronic(opts: IronicOptions = {}): Promise<IronicServer> {
  const shape = opts.shape ?? shapeFromEnv();
  const release = opts.release ?? releaseFromEnv();
  const install = await resolveIronic(release, shape === "distributed");
  const host = opts.host ?? LOOPBACK;
  const netns = opts.netns;
  const delays = {
    deploy: checkDelay("fakeDeployDelay", opts.fakeDeployDelay),
    power: checkDelay("fakePowerDelay", opts.fakePowerDelay),
    boot: checkDelay("fakeBootDelay", opts.fakeBootDelay),
    management: checkDelay("fakeManagementDelay", opts.fakeManagementDelay),
  };
  const interval = checkSeconds("syncInterval", opts.syncInterval, 5);
  const powerInterval = checkSeconds("powerSyncInterval", opts.powerSyncInterval, interval);
  const callbackTimeout = checkSeconds("deployCallbackTimeout", opts.deployCallbackTimeout, 120);

  let port: number;
  if (opts.port !== undefined) {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535)
      throw new Error(`startIronic: invalid port ${opts.port}`);
    if (!netns && !(await isPortFree(opts.port, host)))
      throw new Error(`startIronic: ${host}:${opts.port} is already in use`);
    port = opts.port;
  } else {
    port = await freePorts(host, netns);
  }
  if (netns) {
    // a fresh namespace has its loopback down: json-rpc and the probe need it
    const [cmd, args] = inNetns(netns, "ip", ["link", "set", "lo", "up"]);
    await promisify(execFile)(cmd, args).catch((e: Error) => {
      throw new Error(`startIronic: cannot use network namespace ${netns}: ${e.message}`);
    });
  }

  const ownDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "bosh-ironic-cpi-ironic-"));
  const keep = opts.keep ?? !ownDir;
  let authSetup: AuthSetup | undefined;
  try {
    for (const sub of ["log", "lock", "tmp", "httpboot", "tftpboot/master_images", "images", "master_images"]) {
      mkdirSync(join(stateDir, sub), { recursive: true });
    }
    const tlsOpt = opts.tls ?? tlsFromEnv();
    const chain = tlsOpt === true ? makeTlsChain(stateDir) : tlsOpt === false ? undefined : tlsOpt;
    const apiUrl = `${chain ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const auth = await setupAuth(opts.auth ?? authFromEnv(), stateDir, apiUrl);
    authSetup = auth;
    const admin: AdminAccess = { caFile: chain && join(chain.dir, "bundle.pem"), credentials: auth.admin };
    const configFile = join(stateDir, "ironic.conf");
    const logFile = join(stateDir, "log", "ironic.log");
    const common = {
      install,
      stateDir,
      host,
      port,
      interval,
      powerInterval,
      callbackTimeout,
      automatedClean: opts.automatedClean ?? false,
      debug: opts.debug ?? false,
      delays,
      auth: auth.api,
      ...(chain ? { tls: { chainFile: chain.chainFile, keyFile: chain.keyFile, publicEndpoint: apiUrl } } : {}),
    };
    const render = (o: Parameters<typeof ironicConfig>[0]) => renderIni(mergeConfig(ironicConfig(o), opts.extraConfig));
    writeFileSync(configFile, render(common));
    const dbFile = join(stateDir, "ironic.sqlite");
    if (shape === "all-in-one" && (!existsSync(dbFile) || statSync(dbFile).size === 0))
      await createSchema(stateDir, configFile, install);

    const logTail = (n = 40) =>
      readdirSync(join(stateDir, "log"))
        .sort()
        .map((f) => [f, tailFile(join(stateDir, "log", f), n)] as const)
        .filter(([, text]) => text)
        .map(([f, text]) => `--- ${f} ---\n${text}`)
        .join("\n");

    const t0 = performance.now();
    const spawnIronic = (bin: string, conf: string, out: string) => {
      const [cmd, args] = inNetns(netns, bin, ["--config-file", conf]);
      return spawnDetached(cmd, args, {
        cwd: stateDir,
        outFile: join(stateDir, "log", out),
        env: pythonEnv(),
        killOnExit: opts.killOnExit,
        cleanupOnExit: keep ? undefined : () => removeDir(stateDir),
      });
    };
    // every process this Ironic runs, stopped in reverse order
    const procs: { stop(graceMs?: number): Promise<void>; exitStatus(): string | undefined; pid: number }[] = [];
    const conductors: Conductor[] = [];
    let database: IronicDatabase = { engine: "sqlite", file: dbFile };
    let proxy: AdminProxy | undefined;
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        for (const p of [...procs].reverse()) await p.stop(10_000);
        await proxy?.close();
        await auth.stop();
        if (!keep) removeDir(stateDir);
      })());
    const probe = {
      url: apiUrl,
      driver: opts.driver ?? "fake-hardware",
      netns,
      timeoutMs: opts.startTimeoutMs ?? 90_000,
      admin,
    };
    const ready = (hosts: number) => waitReady(probe, hosts, procs, logTail, stop);

    if (shape === "all-in-one") {
      procs.push(spawnIronic(install.bin.ironic, configFile, "ironic.stdout"));
      writeFileSync(join(stateDir, "ironic.pid"), `${procs[0]!.pid}\n`);
      await ready(1);
    } else {
      const db = await startMariadb(stateDir, { killOnExit: opts.killOnExit });
      procs.push(db.process);
      database = { engine: "mariadb", socket: db.socket };
      const conf = (name: string, rpc: { host: string; group: string }, logName: string) => {
        const path = join(stateDir, `${name}.conf`);
        writeFileSync(path, render({ ...common, rpc, database: db.connection, logName }));
        return path;
      };
      const apiConf = conf("ironic-api", { host, group: "" }, "ironic-api.log");
      await dbsync(install, apiConf, stateDir, "upgrade").catch(async (e: unknown) => {
        await stop();
        throw e;
      });
      const names: Record<string, string> = {};
      for (const c of CONDUCTORS) {
        const path = conf(`ironic-conductor-${c.group}`, c, "ironic.log");
        const slot = procs.length;
        procs.push(spawnIronic(install.bin.conductor, path, `ironic-conductor-${c.group}.stdout`));
        conductors.push({
          ...c,
          get name() {
            return names[c.group] ?? c.host;
          },
          kill: async () => {
            const p = procs[slot]!;
            try {
              process.kill(-p.pid, "SIGKILL");
            } catch {
              /* gone already */
            }
            await p.stop(1_000);
          },
          start: async () => {
            if (procs[slot]!.exitStatus() === undefined) throw new Error(`conductor ${c.host} is running`);
            procs[slot] = spawnIronic(install.bin.conductor, path, `ironic-conductor-${c.group}.stdout`);
            await ready(CONDUCTORS.length);
          },
        });
      }
      procs.push(spawnIronic(install.bin.api, apiConf, "ironic-api.stdout"));
      await ready(CONDUCTORS.length);
      // the names Ironic registered the conductors under, as the API lists them
      const listed = (await apiGet(apiUrl, "/v1/conductors?detail=true", netns, admin)) as {
        conductors: { hostname: string; conductor_group: string }[];
      };
      for (const c of listed.conductors) names[c.conductor_group] = c.hostname;
    }
    const startupMs = Math.round(performance.now() - t0);
    const pid = procs.at(-1)!.pid;
    if (chain || auth.api.strategy !== "noauth") {
      proxy = await startAdminProxy({ upstream: apiUrl, ca: chain?.bundle, credentials: auth.admin }).catch(
        async (e: unknown) => {
          await stop();
          throw e;
        },
      );
    }
    if (opts.debug)
      process.stderr.write(
        `[harness] Ironic ${install.version} (${shape}) ready on ${url(probe)} in ${startupMs} ms (pid ${pid}, ${stateDir})\n`,
      );
    return {
      url: apiUrl,
      access: { url: apiUrl, auth: auth.cpi, ...(chain ? { ca_cert: chain.bundle } : {}) },
      adminUrl: proxy?.url ?? apiUrl,
      adminHeaders: () => auth.admin.headers(),
      tls: chain,
      keystone: auth.keystone,
      port,
      stateDir,
      configFile,
      logFile,
      pid,
      version: install.version,
      release,
      startupMs,
      stop,
      logTail,
      shape,
      conductors,
      database,
    };
  } catch (err) {
    await authSetup?.stop().catch(() => undefined);
    if (!keep) removeDir(stateDir);
    throw err;
  }
}
