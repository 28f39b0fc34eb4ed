// The bed's own libvirt: Debian's libvirtd and virtlogd (no systemd here), run in the foreground inside
// the bed's namespaces (anchor.ts), so the QEMU processes they start and their tap devices live in the
// bed's network namespace. Their directories are the bed's (anchor.sh bind-mounts them over
// /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt): domain
// definitions, the storage pool and the logs stay under the bed dir and go with it.
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type DetachedProcess, spawnDetached, tailFile } from "../detached-process.ts";
import type { Anchor } from "./anchor.ts";
import { run, waitFor } from "./run.ts";

export const LIBVIRTD = "/usr/sbin/libvirtd";
export const VIRTLOGD = "/usr/sbin/virtlogd";
export const VIRSH = "/usr/bin/virsh";
export const QEMU = "/usr/bin/qemu-system-x86_64";

export interface BedLibvirt {
  /** for virsh and libvirt clients outside the bed's mount namespace: the socket under the bed dir */
  readonly uri: string;
  /** `virsh -c uri ARGS` (bounded), its stdout */
  virsh(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** the storage pool's directory (sushy-tools uploads virtual-media ISOs there; the disks live there) */
  readonly poolDir: string;
  /** a domain's QEMU log (libvirt's /var/log/libvirt/qemu/NAME.log) */
  qemuLog(domain: string): string;
  logTail(n?: number): string;
  /** TERM to libvirtd, then virtlogd (the anchor ends whatever is left) */
  stop(): Promise<void>;
}

/** $BOSH_IRONIC_CPI_CACHE as test/harness/cache-dir.sh defines it */
export function harnessCacheDir(): string {
  return (
    process.env["BOSH_IRONIC_CPI_CACHE"] ??
    join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "bosh-ironic-cpi")
  );
}

/** The libvirt daemons already running on this machine: pid and command line. */
export function runningLibvirtDaemons(): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readProc(entry, "cmdline").split("\0").join(" ").trim();
      const comm = readProc(entry, "comm").trim();
      if (comm === "libvirtd" || comm === "virtlogd" || comm === "virtqemud")
        found.push({ pid: Number(entry), cmdline });
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

function readProc(pid: string, file: string): string {
  return readFileSync(`/proc/${pid}/${file}`, "utf8");
}

/**
 * The bed's libvirt directories, made before the anchor mounts them: a copy of the machine's /etc/libvirt
 * without the autostarted `default` NAT network (a dnsmasq and a virbr0 the bed does not want), with
 * the daemons' logs on their stderr at warning level.
 */
export function prepareLibvirtDirs(bedDir: string): void {
  const root = join(bedDir, "libvirt");
  for (const d of ["etc", "run", "lib", "log"]) mkdirSync(join(root, d), { recursive: true });
  // QEMU's capabilities, probed by libvirtd (seconds under emulation), kept across beds: libvirt checks
  // each entry against the QEMU binary, libvirtd and the kernel and probes again when one changed
  const capsCache = join(harnessCacheDir(), "libvirt-cache");
  mkdirSync(capsCache, { recursive: true });
  symlinkSync(capsCache, join(root, "cache"));
  cpSync("/etc/libvirt", join(root, "etc"), { recursive: true });
  rmSync(join(root, "etc", "qemu", "networks", "autostart"), { recursive: true, force: true });
  // libvirt's own syntax: level 3 = warnings and errors, to stderr (the log file spawnDetached writes)
  appendFileSync(join(root, "etc", "libvirtd.conf"), '\n# test bed\nlog_outputs = "3:stderr"\n');
  appendFileSync(join(root, "etc", "virtlogd.conf"), '\n# test bed\nlog_outputs = "3:stderr"\n');
  // QEMU as root, not libvirt-qemu: libvirt probes QEMU's capabilities with KVM on (/dev/kvm opens for
  // the probe) but then finds /dev/kvm not accessible to libvirt-qemu (here it belongs to another
  // group), calls its cached capabilities stale and probes again on every lookup: 15-25 s per
  // `virsh define`. As root both answers agree. The domains are type qemu (software emulation) anyway.
  appendFileSync(join(root, "etc", "qemu.conf"), '\n# test bed\nuser = "root"\ngroup = "root"\n');
  // the pool of virtual-media ISOs and disks; QEMU runs as libvirt-qemu and must traverse to it
  mkdirSync(join(bedDir, "pool"), { recursive: true, mode: 0o755 });
}

export async function startLibvirt(o: {
  anchor: Anchor;
  bedDir: string;
  logDir: string;
  startTimeoutMs?: number;
}): Promise<BedLibvirt> {
  for (const bin of [LIBVIRTD, VIRTLOGD, VIRSH, QEMU])
    if (!existsSync(bin))
      throw new Error(`testbed: ${bin} missing: run bash test/harness/install-system-deps.sh --testbed`);
  const runDir = join(o.bedDir, "libvirt", "run");
  const uri = `qemu:///system?socket=${runDir}/libvirt-sock`;
  const timeoutMs = o.startTimeoutMs ?? 60_000;
  const procs: DetachedProcess[] = [];
  const logs = { virtlogd: join(o.logDir, "virtlogd.log"), libvirtd: join(o.logDir, "libvirtd.log") };
  const logTail = (n = 30) =>
    Object.values(logs)
      .map((f) => `--- ${f} ---\n${tailFile(f, n) || "(empty)"}`)
      .join("\n");
  const start = (bin: string, name: keyof typeof logs) => {
    // pid files inside the bed's /run/libvirt: their defaults (/run/libvirtd.pid) are the machine's
    const [cmd, args] = o.anchor.enter(bin, ["--pid-file", `/run/libvirt/${name}.pid`]);
    const p = spawnDetached(cmd, args, { cwd: "/", outFile: logs[name] });
    procs.push(p);
    return p;
  };
  const virsh = (args: readonly string[], t = 60_000) => run(VIRSH, ["-q", "-c", uri, ...args], { timeoutMs: t });
  const stop = async () => {
    for (const p of [...procs].reverse()) await p.stop(15_000);
  };
  const failFast = () => {
    const dead = procs.find((p) => p.exitStatus() !== undefined);
    return dead ? `pid ${dead.pid} exited (${dead.exitStatus()})\n${logTail()}` : undefined;
  };
  try {
    start(VIRTLOGD, "virtlogd");
    await waitFor("testbed: virtlogd", () => (existsSync(join(runDir, "virtlogd-sock")) ? true : undefined), {
      timeoutMs,
      failFast,
    });
    start(LIBVIRTD, "libvirtd");
    // the first start probes QEMU's capabilities (a few seconds under software emulation)
    await waitFor(
      "testbed: libvirtd answering",
      async () => ((await virsh(["version"], 10_000).catch(() => "")).includes("QEMU") ? true : undefined),
      { timeoutMs, everyMs: 250, failFast },
    );
    const poolDir = join(o.bedDir, "pool");
    // sushy-tools' virtual media uploads the ISO into the pool named "default" (SUSHY_EMULATOR_STORAGE_POOL)
    const poolXml = join(o.bedDir, "pool.xml");
    writeFileSync(poolXml, `<pool type='dir'><name>default</name><target><path>${poolDir}</path></target></pool>\n`);
    await virsh(["pool-define", poolXml]);
    await virsh(["pool-start", "default"]);
    return {
      uri,
      virsh,
      poolDir,
      qemuLog: (domain) => join(o.bedDir, "libvirt", "log", "qemu", `${domain}.log`),
      logTail,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw new Error(`${(err as Error).message}\n${logTail()}`);
  }
}
