// What the e2e global setup (global-setup.ts) hands to the test files: the bed's addresses, the enrolled
// servers and where their disks and consoles are, the stemcell tarballs. Plain data (provide/inject).
import { inject } from "vitest";

export interface E2eServer {
  /** which test file drives it: agent, failures, bond */
  role: string;
  name: string;
  /** its libvirt domain (virsh -c E2eBed.libvirtUri …) */
  domain: string;
  /** its Ironic node */
  node: string;
  macs: string[];
  /** the address the bed gives it (a BOSH static IP a test may use) */
  address: string;
  disks: { role: string; serial: string; path: string; sizeMiB: number }[];
  consoleFile: string;
  consoleSocket: string;
  redfishSystemId: string;
}

export interface E2eBed {
  dir: string;
  /** the bridge address: Ironic, nginx, sushy-tools */
  address: string;
  /** first three octets of the bed's /24 */
  subnet: string;
  bridge: string;
  /** the bed's libvirt, reachable from outside its mount namespace */
  libvirtUri: string;
  ironicUrl: string;
  ironicLog: string;
  ipaLogs: string;
  bmc: { url: string; username: string; password: string };
  webdav: { url: string; username: string; password: string; dataDir: string };
  servers: E2eServer[];
  stemcells: { dir: string; raw: string; qcow2: string; manifest: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    bed: E2eBed;
  }
}

export const bed = (): E2eBed => inject("bed");

export function server(role: string): E2eServer {
  const s = bed().servers.find((x) => x.role === role);
  if (!s) throw new Error(`e2e: no server for ${role}`);
  return s;
}

export function disk(s: E2eServer, role: string): E2eServer["disks"][number] {
  const d = s.disks.find((x) => x.role === role);
  if (!d) throw new Error(`e2e: ${s.name} has no ${role} disk`);
  return d;
}

/** A BOSH manual network on the bed's /24 as the director sends it: the default one (with a gateway) or not. */
export function manualNetwork(ip: string, cloudProperties: object, gateway: string | null = `${bed().subnet}.1`) {
  return {
    type: "manual",
    ip,
    netmask: "255.255.255.0",
    ...(gateway ? { gateway, default: ["dns", "gateway"] } : {}),
    dns: [],
    cloud_properties: cloudProperties,
  };
}

/** A disk as the guest's udev names it from its serial (QEMU's virtio-scsi disks): a stable device path. */
export const byId = (serial: string) => `/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_${serial}`;
