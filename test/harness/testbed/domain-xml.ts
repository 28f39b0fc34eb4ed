// Pure: an emulated server's spec, and the libvirt domain XML made from it. A BIOS (SeaBIOS) machine
// under software emulation (domain type qemu: no KVM here) with its disks on a virtio-scsi controller
// (the guest sees /dev/sda, /dev/sdb, ... in the order given, each with its serial, as root-device
// hints and the CPI's device hints expect), an empty CD-ROM on the same bus for virtual media
// (sushy-tools replaces it with the ISO Ironic inserts), one or two virtio NICs with fixed MACs on the
// bed's bridge, and the serial console appended to a file across power cycles.

export type DiskRole = "root" | "ephemeral" | "persistent";

export interface DiskSpec {
  role: DiskRole;
  /** size in MiB (the file is sparse: only what the guest writes takes space) */
  sizeMiB: number;
  /** what the guest reads as the disk's serial (root_device hint `serial`, udev ID_SERIAL_SHORT) */
  serial: string;
}

export interface ServerSpec {
  /** unique within the bed; the libvirt domain is `<bed id>-<name>` */
  name: string;
  /** default 2048: IPA's ramdisk unpacks into RAM */
  memoryMiB?: number;
  /** default 1 (the machine has 2 cores for everything) */
  vcpus?: number;
  /** in the order the guest sees them (sda, sdb, ...); exactly one root disk, first */
  disks: DiskSpec[];
  /** one or two fixed MACs (the NICs, in PCI order) */
  macs: string[];
}

export interface DomainInput {
  domain: string;
  uuid: string;
  memoryMiB: number;
  vcpus: number;
  disks: { path: string; serial: string }[];
  macs: string[];
  bridge: string;
  consoleFile: string;
  /** the serial console's UNIX socket: a test logs in and types there (the file still gets everything) */
  consoleSocket: string;
}

/** Debian's SeaBIOS (package seabios, a dependency of qemu-system-x86) */
export const SEABIOS = "/usr/share/seabios/bios-256k.bin";

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const SERIAL_RE = /^[A-Za-z0-9_.-]{1,20}$/;
const NAME_RE = /^[a-z0-9][a-z0-9-]{0,30}$/;

/** Throws one error naming every problem of the spec. */
export function checkServerSpec(spec: ServerSpec): void {
  const bad: string[] = [];
  if (!NAME_RE.test(spec.name)) bad.push(`name ${JSON.stringify(spec.name)} (lower-case letters, digits, -)`);
  if (spec.memoryMiB !== undefined && !(Number.isInteger(spec.memoryMiB) && spec.memoryMiB >= 256))
    bad.push(`memoryMiB ${spec.memoryMiB}`);
  if (spec.vcpus !== undefined && !(Number.isInteger(spec.vcpus) && spec.vcpus >= 1 && spec.vcpus <= 4))
    bad.push(`vcpus ${spec.vcpus} (1-4)`);
  if (spec.disks.length === 0 || spec.disks[0]!.role !== "root") bad.push("the first disk must be the root disk");
  if (spec.disks.filter((d) => d.role === "root").length > 1) bad.push("more than one root disk");
  if (spec.disks.length > 6) bad.push("at most 6 disks");
  for (const d of spec.disks) {
    if (!SERIAL_RE.test(d.serial)) bad.push(`disk serial ${JSON.stringify(d.serial)} (1-20 of A-Z a-z 0-9 _ . -)`);
    if (!(Number.isInteger(d.sizeMiB) && d.sizeMiB >= 16)) bad.push(`disk ${d.serial} sizeMiB ${d.sizeMiB}`);
  }
  const serials = spec.disks.map((d) => d.serial);
  if (new Set(serials).size !== serials.length) bad.push("disk serials must differ");
  if (spec.macs.length < 1 || spec.macs.length > 2) bad.push("one or two MACs");
  for (const m of spec.macs) if (!MAC_RE.test(m)) bad.push(`MAC ${JSON.stringify(m)} (lower-case aa:bb:...)`);
  if (bad.length > 0) throw new Error(`testbed: server ${spec.name}: ${bad.join("; ")}`);
}

/** sda, sdb, ... (the CD-ROM takes the letter after the last disk) */
const target = (i: number) => `sd${String.fromCharCode(97 + i)}`;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/'/g, "&apos;");

export function domainXml(d: DomainInput): string {
  const disks = d.disks.map(
    (disk, i) => `    <disk type='file' device='disk'>
      <!-- unsafe: a throw-away disk need not reach the host's platters; discard keeps the file sparse -->
      <driver name='qemu' type='raw' cache='unsafe' discard='unmap'/>
      <source file='${esc(disk.path)}'/>
      <target dev='${target(i)}' bus='scsi'/>
      <!-- one SCSI target per disk: with LUNs of one target the guest names them in reverse (the root
           disk became sdc); targets are scanned in order, so the guest's sda is the spec's first disk -->
      <address type='drive' controller='0' bus='0' target='${i}' unit='0'/>
      <serial>${esc(disk.serial)}</serial>${i === 0 ? "\n      <boot order='1'/>" : ""}
    </disk>`,
  );
  const nics = d.macs.map(
    (mac) => `    <interface type='bridge'>
      <source bridge='${esc(d.bridge)}'/>
      <mac address='${mac}'/>
      <model type='virtio'/>
      <!-- no iPXE option ROM: the bed boots from virtual media, and TCG spends seconds initialising it -->
      <rom enabled='no'/>
    </interface>`,
  );
  return `<domain type='qemu'>
  <name>${esc(d.domain)}</name>
  <uuid>${d.uuid}</uuid>
  <memory unit='MiB'>${d.memoryMiB}</memory>
  <vcpu>${d.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <!-- SeaBIOS named explicitly (QEMU's default for this machine): sushy-tools reads the boot mode from
         the loader (Legacy), and sets it the same way (SUSHY_EMULATOR_BOOT_LOADER_MAP) when Ironic asks -->
    <loader type='rom' readonly='yes'>${SEABIOS}</loader>
    <!-- SeaBIOS's screen on the serial console too (sgabios): "Booting from DVD/CD..." is in the log -->
    <bios useserial='yes'/>
  </os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='scsi' index='0' model='virtio-scsi'/>
${disks.join("\n")}
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='${target(d.disks.length)}' bus='scsi'/>
      <address type='drive' controller='0' bus='0' target='${d.disks.length}' unit='0'/>
      <readonly/>
    </disk>
${nics.join("\n")}
    <serial type='unix'>
      <source mode='bind' path='${esc(d.consoleSocket)}'/>
      <log file='${esc(d.consoleFile)}' append='on'/>
      <target port='0'/>
    </serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
