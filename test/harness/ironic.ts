// A real, standalone OpenStack Ironic (Debian 12's 21.4) on loopback for tests, the demo and benchmarks,
// noauth, fake-hardware, in one of two shapes:
// - "all-in-one" (the default): one `ironic` process (API + conductor, rpc_transport = none) on sqlite,
//   as the reference ironic-dev.sh "single" mode;
// - "distributed", Ironic's production shape: MariaDB, one `ironic-api` and two `ironic-conductor`s
//   talking json-rpc, in conductor groups az1 (conductor 127.0.0.1) and az2 (127.0.0.2). json-rpc
//   reaches every conductor at <its host>:<one port>, hence one loopback address per conductor.
// IRONIC_SHAPE=distributed picks the second for a whole test run.
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnDetached, removeDir, sleep, tailFile } from "./detached-process.ts";
import { LOOPBACK, assertPortFree, findFreePort } from "./free-port.ts";
import { MARIADBD, startMariadb } from "./mariadb.ts";
import { ensureSystemDeps } from "./system-deps.ts";

const IRONIC_BIN = "/usr/bin/ironic";
const API_BIN = "/usr/bin/ironic-api";
const CONDUCTOR_BIN = "/usr/bin/ironic-conductor";
const DBSYNC_BIN = "/usr/bin/ironic-dbsync";
/** Debian's interpreter: the one that sees python3-ironic (a pyenv shim on PATH would not). */
const PYTHON = "/usr/bin/python3";

/** Fake-hardware delay: whole seconds, `N` or `"MIN,MAX"`. Ironic parses it with int(): "0.5" breaks power calls. */
export type FakeDelay = number | `${number},${number}`;

export type IronicShape = "all-in-one" | "distributed";

export interface IronicOptions {
  /** default: $IRONIC_SHAPE, else "all-in-one" */
  shape?: IronicShape;
  /** State dir (config, sqlite, logs). Default: a new temp dir. An existing ironic.sqlite in it is reused. */
  stateDir?: string;
  /** API port on 127.0.0.1; default a free one with port+1 and port+2 also free (the config names them). */
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
}

export interface IronicServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  readonly url: string;
  readonly port: number;
  readonly stateDir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly pid: number;
  /** python3-ironic package version, e.g. "1:21.4.4-0+deb12u2" */
  readonly version: string;
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
  /** its [DEFAULT] host: the name Ironic knows it by, and its json-rpc address */
  readonly host: string;
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

function ironicVersion(): string {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Version}", "python3-ironic"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : "unknown";
}

/** Environment for the Python processes: nothing from a Python dev setup may leak in. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  delete env.VIRTUAL_ENV;
  return env;
}

function renderConfig(o: {
  stateDir: string;
  port: number;
  /** rpc_transport, host and group of this process; the all-in-one shape has no RPC */
  rpc?: { host: string; group: string };
  /** SQLAlchemy URL; default the state dir's sqlite file */
  database?: string;
  logName?: string;
  interval: number;
  powerInterval: number;
  callbackTimeout: number;
  automatedClean: boolean;
  debug: boolean;
  delays: { deploy: string; power: string; boot: string; management: string };
}): string {
  const d = o.stateDir;
  return `# generated by the bosh-ironic-cpi test harness - standalone Ironic for tests, loopback only
[DEFAULT]
auth_strategy = noauth
rpc_transport = ${o.rpc ? "json-rpc" : "none"}
host = ${o.rpc?.host ?? LOOPBACK}
debug = ${o.debug}
log_file = ${d}/log/${o.logName ?? "ironic.log"}
use_stderr = false
state_path = ${d}
tempdir = ${d}/tmp
pybasedir = /usr/lib/python3/dist-packages/ironic
graceful_shutdown_timeout = 5
minimum_memory_warning_only = true
hash_ring_reset_interval = 10
enabled_hardware_types = fake-hardware,ipmi,redfish
enabled_bios_interfaces = fake,no-bios
enabled_boot_interfaces = fake,ipxe,pxe,redfish-virtual-media
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake,direct
enabled_inspect_interfaces = fake,no-inspect
enabled_management_interfaces = fake,ipmitool,redfish
enabled_network_interfaces = noop
enabled_power_interfaces = fake,ipmitool,redfish
enabled_raid_interfaces = fake,no-raid
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = fake,noop
enabled_vendor_interfaces = fake,ipmitool,no-vendor
default_network_interface = noop

[api]
host_ip = ${LOOPBACK}
port = ${o.port}
api_workers = 1

[json_rpc]
auth_strategy = noauth
host_ip = ${o.rpc?.host ?? LOOPBACK}
port = ${o.port + 2}

[conductor]
${o.rpc?.group ? `conductor_group = ${o.rpc.group}\n` : ""}automated_clean = ${o.automatedClean}
sync_power_state_interval = ${o.powerInterval}
check_provision_state_interval = ${o.interval}
check_allocations_interval = ${o.interval}
heartbeat_interval = ${o.interval}
heartbeat_timeout = ${o.interval * 3}
deploy_callback_timeout = ${o.callbackTimeout}
allow_deleting_available_nodes = true

[database]
${o.database ? `connection = ${o.database}\nmax_pool_size = 10` : `connection = sqlite:///${d}/ironic.sqlite\nsqlite_synchronous = false`}

[deploy]
configdrive_use_object_store = false
fast_track = false
http_root = ${d}/httpboot
http_url = http://${LOOPBACK}:${o.port + 1}

[pxe]
tftp_root = ${d}/tftpboot
tftp_master_path = ${d}/tftpboot/master_images
images_path = ${d}/images
instance_master_path = ${d}/master_images

[dhcp]
dhcp_provider = none

[oslo_concurrency]
lock_path = ${d}/lock

[fake]
deploy_delay = ${o.delays.deploy}
power_delay = ${o.delays.power}
boot_delay = ${o.delays.boot}
management_delay = ${o.delays.management}
`;
}

/** Cache dir for the empty schema (per package version), shared by all state dirs of this user. */
export function harnessCacheDir(): string {
  return join(tmpdir(), "bosh-ironic-cpi-cache");
}

/**
 * Puts an empty Ironic schema at <stateDir>/ironic.sqlite: copied from the per-version cache, else made with
 * `ironic-dbsync create_schema` (`upgrade` fails on sqlite) and then cached.
 */
async function createSchema(stateDir: string, configFile: string, version: string): Promise<void> {
  const db = join(stateDir, "ironic.sqlite");
  const cached = join(harnessCacheDir(), `ironic-schema-${version.replace(/[^A-Za-z0-9.]/g, "_")}.sqlite`);
  if (existsSync(cached) && statSync(cached).size > 0) {
    copyFileSync(cached, db);
    return;
  }
  await dbsync(configFile, stateDir, "create_schema");
  try {
    mkdirSync(harnessCacheDir(), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    copyFileSync(db, tmp);
    renameSync(tmp, cached); // atomic: concurrent starters never see a half-written template
  } catch {
    /* caching is an optimisation only */
  }
}

/** True once fake-hardware lists at least `hosts` conductors (one conductor by default). */
async function driversReady(url: string, hosts = 1): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/drivers`, {
      headers: { "X-OpenStack-Ironic-API-Version": "latest" },
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { drivers?: { name: string; hosts?: string[] }[] };
    return (body.drivers ?? []).some((d) => d.name === "fake-hardware" && (d.hosts?.length ?? 0) >= hosts);
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

/** `ironic-dbsync <command>`, its output in the error when it fails. */
async function dbsync(configFile: string, cwd: string, command: "create_schema" | "upgrade"): Promise<void> {
  try {
    await promisify(execFile)(DBSYNC_BIN, ["--config-file", configFile, command], {
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

/** Waits until the API lists `hosts` conductors for fake-hardware; a process that exits fails it at once. */
async function waitReady(
  url: string,
  hosts: number,
  timeoutMs: number,
  procs: readonly { exitStatus(): string | undefined; pid: number }[],
  logTail: (n?: number) => string,
  stop: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await driversReady(url, hosts)) return;
    const dead = procs.find((p) => p.exitStatus() !== undefined);
    if (dead || Date.now() > deadline) {
      const tail = logTail(40);
      const why = dead
        ? `process ${dead.pid} exited during start-up (${dead.exitStatus()})`
        : `not ready within ${timeoutMs / 1000} s`;
      await stop().catch(() => undefined);
      throw new Error(`startIronic: Ironic (${url}) ${why}.\n${tail || "(no log)"}`);
    }
    await sleep(100);
  }
}

/** Starts Ironic and resolves once `GET /v1/drivers` lists fake-hardware with a conductor host. Never skips: throws. */
export async function startIronic(opts: IronicOptions = {}): Promise<IronicServer> {
  const shape = opts.shape ?? shapeFromEnv();
  await ensureSystemDeps(
    shape === "all-in-one" ? [IRONIC_BIN, DBSYNC_BIN, PYTHON] : [API_BIN, CONDUCTOR_BIN, DBSYNC_BIN, PYTHON, MARIADBD],
    "startIronic",
  );
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
    await assertPortFree(opts.port, "startIronic");
    port = opts.port;
  } else {
    port = await findFreePort(3);
  }

  const ownDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "bosh-ironic-cpi-ironic-"));
  const keep = opts.keep ?? !ownDir;
  try {
    for (const sub of ["log", "lock", "tmp", "httpboot", "tftpboot/master_images", "images", "master_images"]) {
      mkdirSync(join(stateDir, sub), { recursive: true });
    }
    const configFile = join(stateDir, "ironic.conf");
    const logFile = join(stateDir, "log", "ironic.log");
    const version = ironicVersion();
    const common = {
      stateDir,
      port,
      interval,
      powerInterval,
      callbackTimeout,
      automatedClean: opts.automatedClean ?? false,
      debug: opts.debug ?? false,
      delays,
    };
    writeFileSync(configFile, renderConfig(common));
    const dbFile = join(stateDir, "ironic.sqlite");
    if (shape === "all-in-one" && (!existsSync(dbFile) || statSync(dbFile).size === 0))
      await createSchema(stateDir, configFile, version);

    const url = `http://${LOOPBACK}:${port}`;
    const logTail = (n = 40) =>
      readdirSync(join(stateDir, "log"))
        .sort()
        .map((f) => [f, tailFile(join(stateDir, "log", f), n)] as const)
        .filter(([, text]) => text)
        .map(([f, text]) => `--- ${f} ---\n${text}`)
        .join("\n");

    const t0 = performance.now();
    const spawnIronic = (bin: string, conf: string, out: string) =>
      spawnDetached(bin, ["--config-file", conf], {
        cwd: stateDir,
        outFile: join(stateDir, "log", out),
        env: pythonEnv(),
        killOnExit: opts.killOnExit,
        cleanupOnExit: keep ? undefined : () => removeDir(stateDir),
      });
    // every process this Ironic runs, stopped in reverse order
    const procs: { stop(graceMs?: number): Promise<void>; exitStatus(): string | undefined; pid: number }[] = [];
    const conductors: Conductor[] = [];
    let database: IronicDatabase = { engine: "sqlite", file: dbFile };
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        for (const p of [...procs].reverse()) await p.stop(10_000);
        if (!keep) removeDir(stateDir);
      })());
    const ready = (hosts: number) => waitReady(url, hosts, opts.startTimeoutMs ?? 90_000, procs, logTail, stop);

    if (shape === "all-in-one") {
      procs.push(spawnIronic(IRONIC_BIN, configFile, "ironic.stdout"));
      writeFileSync(join(stateDir, "ironic.pid"), `${procs[0]!.pid}\n`);
      await ready(1);
    } else {
      const db = await startMariadb(stateDir, { killOnExit: opts.killOnExit });
      procs.push(db.process);
      database = { engine: "mariadb", socket: db.socket };
      const conf = (name: string, rpc: { host: string; group: string }, logName: string) => {
        const path = join(stateDir, `${name}.conf`);
        writeFileSync(path, renderConfig({ ...common, rpc, database: db.connection, logName }));
        return path;
      };
      const apiConf = conf("ironic-api", { host: LOOPBACK, group: "" }, "ironic-api.log");
      await dbsync(apiConf, stateDir, "upgrade").catch(async (e: unknown) => {
        await stop();
        throw e;
      });
      for (const c of CONDUCTORS) {
        const path = conf(`ironic-conductor-${c.group}`, c, "ironic.log");
        const slot = procs.length;
        procs.push(spawnIronic(CONDUCTOR_BIN, path, `ironic-conductor-${c.group}.stdout`));
        conductors.push({
          ...c,
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
            procs[slot] = spawnIronic(CONDUCTOR_BIN, path, `ironic-conductor-${c.group}.stdout`);
            await ready(CONDUCTORS.length);
          },
        });
      }
      procs.push(spawnIronic(API_BIN, apiConf, "ironic-api.stdout"));
      await ready(CONDUCTORS.length);
    }
    const startupMs = Math.round(performance.now() - t0);
    const pid = procs.at(-1)!.pid;
    if (opts.debug)
      process.stderr.write(
        `[harness] Ironic ${version} (${shape}) ready on ${url} in ${startupMs} ms (pid ${pid}, ${stateDir})\n`,
      );
    return {
      url,
      port,
      stateDir,
      configFile,
      logFile,
      pid,
      version,
      startupMs,
      stop,
      logTail,
      shape,
      conductors,
      database,
    };
  } catch (err) {
    if (!keep) removeDir(stateDir);
    throw err;
  }
}
