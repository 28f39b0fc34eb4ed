// Which Ironic the harness runs: today's from PyPI (the `ironic` virtualenv of test/harness/python/,
// pinned in ironic.txt, made once and cached by python-venv.sh) or Debian 12's 21.4 (python3-ironic).
// IRONIC_RELEASE=pypi|debian picks one for a whole run; the default is today's.
import { execFile, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { MARIADBD } from "./mariadb.ts";
import { ensureSystemDeps } from "./system-deps.ts";

export type IronicRelease = "pypi" | "debian";

export interface IronicInstall {
  readonly release: IronicRelease;
  /** e.g. "39.0.0 (PyPI)", "1:21.4.4-0+deb12u3 (Debian)": says which release it is */
  readonly version: string;
  /** API + conductor in one process, the API alone, a conductor, the schema tool */
  readonly bin: { readonly ironic: string; readonly api: string; readonly conductor: string; readonly dbsync: string };
  /** the directory of the `ironic` Python package ([DEFAULT] pybasedir: templates, rootwrap) */
  readonly pybasedir: string;
}

const VENV_SCRIPT = fileURLToPath(new URL("./python-venv.sh", import.meta.url));
/** Debian's interpreter: the one that sees python3-ironic (a pyenv shim on PATH would not). */
const DEBIAN_PYTHON = "/usr/bin/python3";

export function releaseFromEnv(): IronicRelease {
  const v = process.env["IRONIC_RELEASE"] ?? "pypi";
  if (v !== "pypi" && v !== "debian")
    throw new Error(`IRONIC_RELEASE must be pypi or debian, not ${JSON.stringify(v)}`);
  return v;
}

/** Environment for the Python processes: nothing from a Python dev setup may leak in. */
export function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  delete env.VIRTUAL_ENV;
  return env;
}

/** The cached virtualenv NAME of test/harness/python/ (made on first use: about 2 minutes for ironic). */
export async function pythonVenv(name: string, what: string): Promise<string> {
  // python-venv.sh needs Debian's python3-venv, which the installer's default mode brings
  await ensureSystemDeps(["/usr/lib/python3.11/ensurepip/__init__.py"], what);
  try {
    const { stdout } = await promisify(execFile)("bash", [VENV_SCRIPT, name], {
      env: pythonEnv(),
      timeout: 900_000,
      maxBuffer: 1024 * 1024,
    });
    return stdout.trim().split("\n").at(-1)!;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${what}: python-venv.sh ${name} failed (${e.message.split("\n")[0]}):\n${e.stderr ?? ""}`);
  }
}

async function pypi(distributed: boolean): Promise<IronicInstall> {
  if (distributed) await ensureSystemDeps([MARIADBD], "startIronic");
  const venv = await pythonVenv("ironic", "startIronic");
  const site = join(venv, "lib", "python3.11", "site-packages");
  const dist = readdirSync(site).find((f) => /^ironic-[^-]+\.dist-info$/.test(f));
  if (!dist) throw new Error(`startIronic: no ironic-*.dist-info in ${site}`);
  const version = dist.slice("ironic-".length, -".dist-info".length);
  return {
    release: "pypi",
    version: `${version} (PyPI)`,
    bin: {
      ironic: join(venv, "bin", "ironic"),
      api: join(venv, "bin", "ironic-api"),
      conductor: join(venv, "bin", "ironic-conductor"),
      dbsync: join(venv, "bin", "ironic-dbsync"),
    },
    pybasedir: join(site, "ironic"),
  };
}

async function debian(distributed: boolean): Promise<IronicInstall> {
  const bin = {
    ironic: "/usr/bin/ironic",
    api: "/usr/bin/ironic-api",
    conductor: "/usr/bin/ironic-conductor",
    dbsync: "/usr/bin/ironic-dbsync",
  };
  await ensureSystemDeps(
    distributed
      ? [bin.api, bin.conductor, bin.dbsync, DEBIAN_PYTHON, MARIADBD]
      : [bin.ironic, bin.dbsync, DEBIAN_PYTHON],
    "startIronic",
  );
  const r = spawnSync("dpkg-query", ["-W", "-f=${Version}", "python3-ironic"], { encoding: "utf8" });
  const version = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : "unknown";
  return { release: "debian", version: `${version} (Debian)`, bin, pybasedir: "/usr/lib/python3/dist-packages/ironic" };
}

/** Installs what the release needs when missing and says where its programs are. */
export function resolveIronic(release: IronicRelease, distributed: boolean): Promise<IronicInstall> {
  return release === "pypi" ? pypi(distributed) : debian(distributed);
}
