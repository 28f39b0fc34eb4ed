// What a node knows about its devices, from two sources (pure):
// - what the operator declared: node properties.bosh_persistent_devices, a list of
//     {"device": "<hint>", "size_gb": 960}  or  {"device": "<hint>", "size_mib": 915715}  or  "<hint>"
//   (a JSON string is accepted too: `baremetal node set --property k=v` stores strings);
// - Ironic's inventory when the node was inspected (inventory.disks: name, size in bytes, serial, wwn, by_path).
// It answers: the agent path of a hint, its capacity when known, and whether it is the root device (never a
// candidate: Ironic writes the stemcell and the config drive there).
import { describeIssues } from "../issues.ts";
import * as z from "zod";
import type { InventoryDisk } from "../ironic/inventory.ts";
import { type DeviceHint, hintValue } from "./hints.ts";

const MIB = 1024 * 1024;

const Declared = z.union([
  z.string().min(1),
  z.looseObject({
    device: z.string().min(1),
    size_gb: z.coerce.number().positive().optional(),
    size_mib: z.coerce.number().positive().optional(),
  }),
]);
export interface DeclaredDevice {
  device: string;
  capacityMib: number | undefined;
}

/** properties.bosh_persistent_devices; a malformed declaration is reported, not guessed at. */
export function declaredDevices(properties: Record<string, unknown> | null | undefined): {
  devices: DeclaredDevice[];
  problem?: string;
} {
  let raw = properties?.["bosh_persistent_devices"];
  if (raw === undefined || raw === null) return { devices: [] };
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      return { devices: [], problem: "properties.bosh_persistent_devices is not JSON" };
    }
  }
  const r = z.array(Declared).safeParse(raw, { reportInput: true });
  if (!r.success) {
    const what = describeIssues(r.error.issues, { prefix: "properties.bosh_persistent_devices", first: true });
    return { devices: [], problem: what };
  }
  return {
    devices: r.data.map((d) =>
      typeof d === "string"
        ? { device: d, capacityMib: undefined }
        : { device: d.device, capacityMib: d.size_mib ?? (d.size_gb !== undefined ? d.size_gb * 1024 : undefined) },
    ),
  };
}

export type { InventoryDisk };

const lower = (s: string | null | undefined) => (s ? s.toLowerCase() : undefined);

/** Does the inventory disk match the hint? */
export function matchesDisk(h: DeviceHint, d: InventoryDisk): boolean {
  switch (h.kind) {
    case "dev":
      return d.name === h.hint;
    case "by-path":
      return d.by_path === h.hint;
    case "wwn":
      return lower(d.wwn) === h.wwn || lower(d.wwn_with_extension) === h.wwn;
    case "serial":
      return !!d.serial && d.serial === h.serial;
    case "by-id": {
      if (h.wwn) return lower(d.wwn) === h.wwn || lower(d.wwn_with_extension) === h.wwn;
      // by-id names end in the serial: ata-<model>_<serial>, nvme-<model>_<serial>, scsi-SATA_<model>_<serial>
      return !!d.serial && (h.hint.endsWith(`_${d.serial}`) || h.hint.endsWith(`-${d.serial}`));
    }
  }
}

/**
 * The inventory disk Ironic deploys the image to: the one properties.root_device names, else (Ironic's
 * default) the smallest disk of at least 4 GiB.
 */
export function rootDisk(
  disks: readonly InventoryDisk[],
  rootHints: Record<string, unknown> | undefined,
): InventoryDisk | undefined {
  if (rootHints && Object.keys(rootHints).length > 0) return disks.find((d) => rootHintsMatch(rootHints, d));
  const big = disks.filter((d) => (d.size ?? 0) >= 4 * 1024 * MIB).sort((a, b) => (a.size ?? 0) - (b.size ?? 0));
  return big[0];
}

function rootHintsMatch(hints: Record<string, unknown>, d: InventoryDisk): boolean {
  const checks: [string, string | null | undefined][] = [
    ["name", d.name],
    ["by_path", d.by_path],
    ["serial", d.serial],
    ["wwn", lower(d.wwn)],
  ];
  let any = false;
  for (const [key, actual] of checks) {
    const want = hintValue(hints[key]);
    if (want === undefined) continue;
    any = true;
    if ((key === "wwn" ? want.toLowerCase() : want) !== actual) return false;
  }
  return any;
}

/** Without inventory: does the hint itself equal one of the node's root_device hints or the system device? */
export function namesRoot(
  h: DeviceHint,
  rootHints: Record<string, unknown> | undefined,
  systemDevice: string,
): boolean {
  if (h.hint === systemDevice || h.path === systemDevice) return true;
  if (!rootHints) return false;
  const v = (k: string) => hintValue(rootHints[k]);
  return (
    (h.kind === "dev" && v("name") === h.hint) ||
    (h.kind === "by-path" && v("by_path") === h.hint) ||
    (!!h.wwn && v("wwn")?.toLowerCase() === h.wwn) ||
    (!!h.serial && v("serial") === h.serial)
  );
}

export const toMib = (bytes: number | null | undefined) => (bytes ? Math.floor(bytes / MIB) : undefined);
