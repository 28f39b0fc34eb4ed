// A real, standalone OpenStack Ironic on loopback for tests, the demo and benchmarks, noauth, fake-hardware
// (redfish and ipmi enabled too), in one of two releases (ironic-release.ts: today's from PyPI, the default,
// or Debian 12's 21.4; IRONIC_RELEASE picks one for a whole run) and one of two shapes:
// - "all-in-one" (the default): one `ironic` process (API + conductor, rpc_transport = none) on sqlite,
//   as the reference ironic-dev.sh "single" mode;
// - "distributed", Ironic's production shape: MariaDB, one `ironic-api` and two `ironic-conductor`s
//   talking json-rpc, in conductor groups az1 (conductor 127.0.0.1) and az2 (127.0.0.2). json-rpc
//   reaches every conductor at <its host>:<one port>, hence one loopback address per conductor.
// IRONIC_SHAPE=distributed picks the second for a whole test run.
import { execFile } from "node:child_process";
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
import { LOOPBACK, findFreePort, isPortFree } from "./free-port.ts";
import { type IronicConfig, ironicConfig, mergeConfig, renderIni } from "./ironic-config.ts";
import { type IronicInstall, type IronicRelease, pythonEnv, releaseFromEnv, resolveIronic } from "./ironic-release.ts";
import { startMariadb } from "./mariadb.ts";

export type { IronicConfig } from "./ironic-config.ts";
export type { IronicRelease } from "./ironic-release.ts";

/** Fake-hardware delay: whole seconds, `N` or `"MIN,MAX"`. Ironic parses it with int(): "0.5" breaks power calls. */
export type FakeDelay = number | `${number},${number}`;

export type IronicShape = "all-in-one" | "distributed";

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
}

export interface IronicServer {
  /** http://HOST:PORT (no trailing slash) */
  readonly url: string;
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

/** GET an API path from where Ironic runs: this process, or curl inside the namespace. */
async function apiGet(url: string, path: string, netns: string | undefined): Promise<unknown> {
  const header = "X-OpenStack-Ironic-API-Version: latest";
  if (netns) {
    const [cmd, args] = inNetns(netns, "curl", ["-sf", "-m", "2", "-H", header, `${url}${path}`]);
    const { stdout } = await promisify(execFile)(cmd, args, { timeout: 5_000 });
    return JSON.parse(stdout);
  }
  const res = await fetch(`${url}${path}`, {
    headers: { "X-OpenStack-Ironic-API-Version": "latest" },
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) return undefined;
  return res.json();
}

/** True once `driver` lists at least `hosts` conductors. */
async function driversReady(url: string, driver: string, hosts: number, netns: string | undefined): Promise<boolean> {
  try {
    const body = (await apiGet(url, "/v1/drivers", netns)) as
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
  o: { url: string; driver: string; netns: string | undefined; timeoutMs: number },
  hosts: number,
  procs: readonly { exitStatus(): string | undefined; pid: number }[],
  logTail: (n?: number) => string,
  stop: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (await driversReady(o.url, o.driver, hosts, o.netns)) return;
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
  try {
    for (const sub of ["log", "lock", "tmp", "httpboot", "tftpboot/master_images", "images", "master_images"]) {
      mkdirSync(join(stateDir, sub), { recursive: true });
    }
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
    };
    const render = (o: Parameters<typeof ironicConfig>[0]) => renderIni(mergeConfig(ironicConfig(o), opts.extraConfig));
    writeFileSync(configFile, render(common));
    const dbFile = join(stateDir, "ironic.sqlite");
    if (shape === "all-in-one" && (!existsSync(dbFile) || statSync(dbFile).size === 0))
      await createSchema(stateDir, configFile, install);

    const apiUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
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
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        for (const p of [...procs].reverse()) await p.stop(10_000);
        if (!keep) removeDir(stateDir);
      })());
    const probe = {
      url: apiUrl,
      driver: opts.driver ?? "fake-hardware",
      netns,
      timeoutMs: opts.startTimeoutMs ?? 90_000,
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
      const listed = (await apiGet(apiUrl, "/v1/conductors?detail=true", netns)) as {
        conductors: { hostname: string; conductor_group: string }[];
      };
      for (const c of listed.conductors) names[c.conductor_group] = c.hostname;
    }
    const startupMs = Math.round(performance.now() - t0);
    const pid = procs.at(-1)!.pid;
    if (opts.debug)
      process.stderr.write(
        `[harness] Ironic ${install.version} (${shape}) ready on ${url(probe)} in ${startupMs} ms (pid ${pid}, ${stateDir})\n`,
      );
    return {
      url: apiUrl,
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
    if (!keep) removeDir(stateDir);
    throw err;
  }
}
