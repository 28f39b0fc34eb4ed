// startTestbed: emulated servers for real deploys. One network namespace with a bridge; the bed's own
// libvirtd + virtlogd in it (private directories, see anchor.sh and libvirt.ts); QEMU virtual machines
// (software emulation, SeaBIOS) defined from a small spec; sushy-tools' Redfish emulator (libvirt
// driver) as their BMC; nginx serving images and Ironic's virtual-media ISOs. Ironic itself is started
// by startBedIronic (bed-ironic.ts) with the bed's settings.
//
// One bed per machine: startTestbed refuses when any libvirtd/virtlogd already runs (the machine's or
// another bed's). Two beds could not collide in their files (each has its own libvirt directories,
// namespace, bridge and domain names), but two software-emulated beds on 2 cores make each other's
// timeouts fail.
//
// stop() destroys and undefines the VMs, deletes their disks (unless keep), stops sushy-tools, nginx,
// libvirtd and virtlogd, and deletes the namespace the bed made. If this Node process dies first (any
// way, SIGKILL included) the anchor does the same: every process of the bed ends, the namespace and the
// bed dir go.
import { randomBytes, randomUUID } from "node:crypto";
import {
  chmodSync,
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { tailFile } from "../detached-process.ts";
import { type Anchor, startAnchor } from "./anchor.ts";
import { type DiskRole, type ServerSpec, checkServerSpec, domainXml } from "./domain-xml.ts";
import { type BedHttpServer, startHttpServer } from "./http-server.ts";
import { type BedLibvirt, prepareLibvirtDirs, runningLibvirtDaemons, startLibvirt } from "./libvirt.ts";
import { type BedNetwork, currentNetns, deleteNetns, setUpNetwork } from "./netns.ts";
import { type RedfishBmc, startRedfishBmc } from "./redfish-bmc.ts";

export type { DiskRole, DiskSpec, ServerSpec } from "./domain-xml.ts";

export interface TestbedOptions {
  servers: ServerSpec[];
  /** first three octets of the bed's private /24 (default "10.251.0"): bridge .1, servers .10 onwards */
  subnet?: string;
  /** the namespace to use; default the named namespace this process runs in (netns-run.sh), else a new one */
  netns?: string;
  /** the bed dir; default a new one under /tmp (libvirt-qemu must reach the disks) */
  dir?: string;
  /** keep the bed dir (disks, consoles, logs) on stop; default false (true when dir was given) */
  keep?: boolean;
  bmcUsername?: string;
  /** default random */
  bmcPassword?: string;
  /** in the namespace (default 8000 and 8080) */
  bmcPort?: number;
  httpPort?: number;
  /** per-step readiness bound (default 60 s) */
  startTimeoutMs?: number;
}

export interface TestbedDisk {
  readonly role: DiskRole;
  readonly serial: string;
  readonly sizeMiB: number;
  /** as the guest names it: sda, sdb, ... */
  readonly device: string;
  /** the raw file (sfdisk -d, losetup, qemu-img work on it) */
  readonly path: string;
}

export interface TestbedServer {
  readonly name: string;
  /** libvirt domain name */
  readonly domain: string;
  readonly uuid: string;
  /** Ironic's redfish_system_id */
  readonly redfishSystemId: string;
  readonly macs: readonly string[];
  /** the address the bed gives this server (network_data for the ramdisk, a BOSH static IP) */
  readonly address: string;
  readonly disks: readonly TestbedDisk[];
  readonly consoleFile: string;
  /** the serial console's UNIX socket (serial-console.ts logs in there) */
  readonly consoleSocket: string;
  /** the serial console so far (every boot, appended) */
  console(): string;
  /** libvirt's QEMU log of the domain */
  readonly qemuLog: string;
}

export interface Testbed {
  readonly id: string;
  readonly dir: string;
  readonly network: BedNetwork;
  readonly netns: string;
  /** the bridge address (Ironic, nginx and sushy-tools listen here) */
  readonly address: string;
  readonly servers: readonly TestbedServer[];
  server(name: string): TestbedServer;
  readonly bmc: RedfishBmc;
  readonly http: BedHttpServer;
  readonly libvirt: BedLibvirt;
  /** ms per start-up step */
  readonly timings: Readonly<Record<string, number>>;
  /** the daemons' log tails and every server's console tail, for an error message */
  diagnostics(lines?: number): string;
  /** idempotent; see the file comment */
  stop(): Promise<void>;
}

const DEFAULT_SUBNET = "10.251.0";

/** The machine-wide refusal: the bed wants the CPU and owns libvirt while it runs. */
function refuseRunningLibvirt(): void {
  const running = runningLibvirtDaemons();
  if (running.length > 0)
    throw new Error(
      `startTestbed: a libvirt daemon already runs on this machine (another test bed, or the machine's own):\n${running
        .map((p) => `  pid ${p.pid}: ${p.cmdline}`)
        .join("\n")}\nStop it first (a dead bed's anchor ends its daemons itself within seconds).`,
    );
}

/** A server spec with the usual three disks (root 4 GiB, ephemeral 2 GiB, persistent 1 GiB) and one NIC. */
export function standardServer(index: number, overrides: Partial<ServerSpec> = {}): ServerSpec {
  const n = String(index).padStart(2, "0");
  return {
    name: `server-${n}`,
    memoryMiB: 2048,
    vcpus: 1,
    disks: [
      { role: "root", sizeMiB: 4096, serial: `ROOT-${n}` },
      { role: "ephemeral", sizeMiB: 2048, serial: `EPH-${n}` },
      { role: "persistent", sizeMiB: 1024, serial: `PERS-${n}` },
    ],
    macs: [`52:54:00:be:${n}:01`],
    ...overrides,
  };
}

export async function startTestbed(opts: TestbedOptions): Promise<Testbed> {
  if (process.getuid?.() !== 0) throw new Error("startTestbed: needs root (namespaces, libvirtd)");
  if (opts.servers.length === 0 || opts.servers.length > 8) throw new Error("startTestbed: 1 to 8 servers");
  for (const s of opts.servers) checkServerSpec(s);
  const names = opts.servers.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error("startTestbed: server names must differ");
  const macs = opts.servers.flatMap((s) => s.macs);
  if (new Set(macs).size !== macs.length) throw new Error("startTestbed: MACs must differ");
  refuseRunningLibvirt();

  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (step: string, since: number) => {
    timings[step] = Math.round(performance.now() - since);
    return performance.now();
  };
  const id = `tb${randomBytes(3).toString("hex")}`;
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join("/tmp", "bosh-ironic-cpi-testbed-"));
  const keep = opts.keep ?? !ownDir;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // libvirt-qemu reaches the disks and consoles below
  const logDir = join(dir, "log");
  mkdirSync(logDir, { recursive: true });

  const adopt = opts.netns ?? ((await currentNetns()) || undefined);
  let t = performance.now();
  let network: BedNetwork;
  try {
    network = await setUpNetwork({
      name: `bicpi-${id}`,
      netns: adopt,
      bridge: `br-${id}`,
      subnet: opts.subnet ?? DEFAULT_SUBNET,
    });
  } catch (err) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  t = lap("network", t);

  let anchor: Anchor;
  try {
    prepareLibvirtDirs(dir);
    anchor = await startAnchor({
      bedDir: dir,
      netns: network.netns,
      ownNetns: network.ownNetns,
      keep,
      logFile: join(logDir, "anchor.log"),
    });
  } catch (err) {
    if (network.ownNetns) await deleteNetns(network.netns);
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  // from here on the anchor cleans up whatever fails
  let libvirt: BedLibvirt | undefined;
  let bmc: RedfishBmc | undefined;
  let http: BedHttpServer | undefined;
  const servers: TestbedServer[] = [];
  const diagnostics = (n = 40) =>
    [
      libvirt?.logTail(n),
      bmc && `--- ${bmc.logFile} ---\n${bmc.logTail(n)}`,
      http && `--- nginx ---\n${http.logTail(n)}`,
      ...servers.map(
        (s) =>
          `--- console of ${s.name} (${s.consoleFile}) ---\n${tailFile(s.consoleFile, n) || "(empty)"}\n--- ${s.qemuLog} ---\n${tailFile(s.qemuLog, 10) || "(empty)"}`,
      ),
      `--- ${anchor.logFile} ---\n${tailFile(anchor.logFile, 10)}`,
    ]
      .filter(Boolean)
      .join("\n");

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const problems: string[] = [];
      const step = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (e) {
          problems.push(`${what}: ${(e as Error).message.split("\n")[0]}`);
        }
      };
      if (libvirt) {
        const lv = libvirt;
        for (const s of servers) {
          await step(`destroy ${s.domain}`, async () => {
            if ((await lv.virsh(["domstate", s.domain], 10_000)).trim() !== "shut off")
              await lv.virsh(["destroy", s.domain], 30_000);
          });
          await step(`undefine ${s.domain}`, () => lv.virsh(["undefine", s.domain], 30_000));
          if (!keep) for (const d of s.disks) rmSync(d.path, { force: true });
        }
      }
      await step("sushy-tools", async () => bmc?.process.stop(10_000));
      await step("nginx", async () => http?.process.stop(10_000));
      await step("libvirt", async () => libvirt?.stop());
      await step("anchor", () => anchor.stop());
      if (problems.length > 0)
        process.stderr.write(`[testbed ${id}] stopped with problems:\n  ${problems.join("\n  ")}\n`);
    })());

  try {
    libvirt = await startLibvirt({ anchor, bedDir: dir, logDir, startTimeoutMs: opts.startTimeoutMs });
    t = lap("libvirt", t);

    for (const [i, spec] of opts.servers.entries()) {
      const domain = `${id}-${spec.name}`;
      const uuid = randomUUID();
      const sdir = join(dir, "servers", spec.name);
      mkdirSync(sdir, { recursive: true, mode: 0o755 });
      const disks: TestbedDisk[] = spec.disks.map((d, k) => {
        const path = join(libvirt!.poolDir, `${domain}-${d.serial}.img`);
        const fd = openSync(path, "w", 0o644);
        try {
          ftruncateSync(fd, d.sizeMiB * 1024 * 1024); // sparse
        } finally {
          closeSync(fd);
        }
        return { role: d.role, serial: d.serial, sizeMiB: d.sizeMiB, device: `sd${String.fromCharCode(97 + k)}`, path };
      });
      const consoleFile = join(sdir, "console.log");
      const consoleSocket = join(sdir, "console.sock");
      const xmlFile = join(sdir, "domain.xml");
      writeFileSync(
        xmlFile,
        domainXml({
          domain,
          uuid,
          memoryMiB: spec.memoryMiB ?? 2048,
          vcpus: spec.vcpus ?? 1,
          disks: disks.map((d) => ({ path: d.path, serial: d.serial })),
          macs: spec.macs,
          bridge: network.bridge,
          consoleFile,
          consoleSocket,
        }),
      );
      await libvirt.virsh(["define", xmlFile]);
      servers.push({
        name: spec.name,
        domain,
        uuid,
        redfishSystemId: `/redfish/v1/Systems/${uuid}`,
        macs: spec.macs,
        address: `${network.subnet}.${10 + i}`,
        disks,
        consoleFile,
        consoleSocket,
        console: () => {
          try {
            return readFileSync(consoleFile, "utf8");
          } catch {
            return "";
          }
        },
        qemuLog: libvirt.qemuLog(domain),
      });
    }
    // the disks as pool volumes: sushy-tools reports them (Redfish SimpleStorage) by volume lookup
    await libvirt.virsh(["pool-refresh", "default"]);
    t = lap("servers", t);

    const bmcPassword = opts.bmcPassword ?? randomBytes(12).toString("hex");
    bmc = await startRedfishBmc({
      anchor,
      netns: network.netns,
      address: network.address,
      port: opts.bmcPort ?? 8000,
      dir: join(dir, "sushy"),
      logDir,
      username: opts.bmcUsername ?? "bmc",
      password: bmcPassword,
      systems: servers.map((s) => s.uuid),
      startTimeoutMs: opts.startTimeoutMs,
    });
    t = lap("bmc", t);
    http = await startHttpServer({
      anchor,
      netns: network.netns,
      address: network.address,
      port: opts.httpPort ?? 8080,
      dir: join(dir, "http"),
      logDir,
      startTimeoutMs: opts.startTimeoutMs,
    });
    t = lap("http", t);
    timings["total"] = Math.round(performance.now() - t0);
  } catch (err) {
    const diag = diagnostics();
    await stop();
    throw new Error(`startTestbed: ${(err as Error).message}\n${diag}`);
  }

  return {
    id,
    dir,
    network,
    netns: network.netns,
    address: network.address,
    servers,
    server: (name) => {
      const s = servers.find((x) => x.name === name);
      if (!s) throw new Error(`testbed: no server ${name} (${servers.map((x) => x.name).join(", ")})`);
      return s;
    },
    bmc,
    http,
    libvirt,
    timings,
    diagnostics,
    stop,
  };
}
