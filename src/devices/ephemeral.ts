// Which device of one server the agent gets as its ephemeral disk (pure). The agent cannot partition the
// root device: Ironic writes the config drive as a partition at its end, and bosh-agent refuses a root
// device that already holds partitions (platform/disk/root_device_partitioner.go, "Found 1 unexpected
// partitions"); the 2016 CPI demanded a second disk for that reason. So every VM gets one, from, in order:
//   1. the vm_type's `ephemeral_disk`: the manifest's explicit choice for this kind of VM wins;
//   2. the node's `properties.bosh_ephemeral_device`: what the operator declared for this server;
//   3. the CPI config's `disks.ephemeral_device`: the fleet-wide default;
//   4. the node's inspection inventory: the first disk (by name) that is not the root device, not a
//      persistent-disk candidate and holds no disk record — Ironic's own view of the hardware.
// None of these: the server cannot host a BOSH VM, and create_vm moves on to another one.
import type { Node } from "../ironic/node-schema.ts";
import { type DeclaredDevice, type InventoryDisk, declaredDevices, matchesDisk, rootDisk } from "./node-devices.ts";
import { parseHint } from "./hints.ts";
import { diskRecords, dirtyDevices } from "./records.ts";

export type EphemeralSource = "vm_type" | "node" | "config" | "inventory";
export interface EphemeralDisk {
  path: string;
  source: EphemeralSource;
}

/** What the fix is, for the no-ephemeral-disk error. */
export const EPHEMERAL_FIX =
  "set vm_type cloud_properties ephemeral_disk, disks.ephemeral_device in the CPI configuration, or the node " +
  "property " +
  "bosh_ephemeral_device (e.g. baremetal node set --property bosh_ephemeral_device=/dev/disk/by-path/…), or " +
  "inspect the " +
  "server so that a second disk shows in its inventory; the agent cannot use the root disk, which holds " +
  "Ironic's config-drive partition";

/** Sources 1 to 3, in that order: undefined when none names a device (then the inventory decides). */
export function givenEphemeral(
  vmType: string | { path: string } | undefined,
  node: Pick<Node, "properties">,
  configured: string | undefined,
): EphemeralDisk | undefined {
  if (vmType !== undefined) return { path: typeof vmType === "string" ? vmType : vmType.path, source: "vm_type" };
  return declaredEphemeral(node) ?? (configured !== undefined ? { path: configured, source: "config" } : undefined);
}

/** Source 2: properties.bosh_ephemeral_device (a string, as `baremetal node set --property` stores it). */
function declaredEphemeral(node: Pick<Node, "properties">): EphemeralDisk | undefined {
  const v = node.properties?.["bosh_ephemeral_device"];
  return typeof v === "string" && v.trim() !== "" ? { path: v.trim(), source: "node" } : undefined;
}

export interface InventoryChoiceInput {
  node: Pick<Node, "properties" | "extra">;
  /** The vm_type's root_device hints, which replace the node's (as in instance_info). */
  rootDevice?: Record<string, unknown> | undefined;
  inventory: readonly InventoryDisk[];
  /** The CPI's disks.persistent_devices and system_device: never the ephemeral disk. */
  persistentHints: readonly string[];
  systemDevice: string;
}

/** Source 4: the first spare disk of the inventory, with the stablest path it has. */
export function inventoryEphemeral(input: InventoryChoiceInput): EphemeralDisk | undefined {
  const nodeHints = input.node.properties?.["root_device"];
  const rootHints =
    input.rootDevice ??
    (typeof nodeHints === "object" && nodeHints !== null ? (nodeHints as Record<string, unknown>) : undefined);
  const root = rootDisk(input.inventory, rootHints);
  const declared: DeclaredDevice[] = declaredDevices(input.node.properties).devices;
  const reserved = [
    ...input.persistentHints,
    ...declared.map((d) => d.device),
    ...[...diskRecords(input.node).values()].map((r) => r.device),
    ...dirtyDevices(input.node).keys(),
    input.systemDevice,
  ];
  const hints = reserved.flatMap((h) => {
    try {
      return [parseHint(h)];
    } catch {
      return []; // a hint that names no device reserves none
    }
  });
  const spare = [...input.inventory]
    .filter((d) => d !== root && !hints.some((h) => matchesDisk(h, d)))
    .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""));
  const d = spare[0];
  const path = d && (d.by_path ?? (d.wwn ? `/dev/disk/by-id/wwn-${d.wwn.toLowerCase()}` : d.name));
  return path ? { path, source: "inventory" } : undefined;
}
