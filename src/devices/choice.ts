// Which device of one node a new disk gets (pure): the first candidate hint that is not the root device, not
// holding a live disk, not dirty (used by a deleted disk and not wiped yet) and big enough when its capacity
// is known. When none fits, every candidate's reason goes into the NoDiskSpace message.
import type { Node } from "../ironic/node-schema.ts";
import { type DeclaredDevice, type InventoryDisk, matchesDisk, namesRoot, rootDisk, toMib } from "./node-devices.ts";
import { parseHint } from "./hints.ts";
import { dirtyDevices, liveRecords } from "./records.ts";

export interface Chosen {
  device: string;
  path: string;
  capacityMib: number | undefined;
  /** Warnings for the log: unstable name, unknown capacity. */
  notes: string[];
}

export interface ChoiceInput {
  node: Pick<Node, "uuid" | "extra" | "properties">;
  hints: readonly string[];
  sizeMib: number;
  declared: readonly DeclaredDevice[];
  inventory: readonly InventoryDisk[] | undefined;
  systemDevice: string;
}

/** Why one device was passed over: said as "<device> <why>", counted across servers by `why`. */
export interface Rejection {
  device: string;
  why: string;
}

export const describeRejection = (r: Rejection) => `${r.device} ${r.why}`;

export type Choice = { ok: true; chosen: Chosen } | { ok: false; reasons: Rejection[] };

export function chooseDevice(input: ChoiceInput): Choice {
  const live = [...liveRecords(input.node)];
  const dirty = dirtyDevices(input.node);
  const rootHints = input.node.properties?.["root_device"];
  const hints =
    typeof rootHints === "object" && rootHints !== null ? (rootHints as Record<string, unknown>) : undefined;
  const root = input.inventory ? rootDisk(input.inventory, hints) : undefined;
  const reasons: Rejection[] = [];
  for (const hint of input.hints) {
    const h = parseHint(hint); // CpiError for a hint that can never work: a configuration error, not "no space"
    const disk = input.inventory?.find((d) => matchesDisk(h, d));
    // A stable hint is the agent's path as given; a kernel name (/dev/sdX) gives way to the inventory's link.
    const wwnPath = disk?.wwn ? `/dev/disk/by-id/wwn-${disk.wwn.toLowerCase()}` : undefined;
    const path = (h.stable ? h.path : undefined) ?? disk?.by_path ?? wwnPath ?? h.path;
    const why = (r: string) => reasons.push({ device: hint, why: r });
    if (namesRoot(h, hints, input.systemDevice) || (disk && root && disk === root)) {
      why("is the root device");
      continue;
    }
    const holder = live.find(([, r]) => r.device === hint || r.path === path || (disk && r.path === disk.by_path));
    if (holder) {
      why(`holds disk ${holder[0]}`);
      continue;
    }
    const d = dirty.get(hint) ?? (path ? dirty.get(path) : undefined);
    if (d) {
      why(
        `was used by deleted disk ${d.disk_cid ?? "(unknown)"} and is not wiped ` +
          `yet${d.wipe_failed ? ` (last wipe failed: ${d.wipe_failed})` : ""}; ` +
          "it is wiped when the node is released without live disks",
      );
      continue;
    }
    if (!path) {
      why("is not in the node's inventory, so its device path is unknown");
      continue;
    }
    const capacityMib = input.declared.find((x) => x.device === hint)?.capacityMib ?? toMib(disk?.size);
    if (capacityMib !== undefined && capacityMib < input.sizeMib) {
      why(`has ${capacityMib} MiB, ${input.sizeMib} MiB asked`);
      continue;
    }
    const notes: string[] = [];
    if (!h.stable)
      notes.push(
        `${hint} is a kernel name: device order may differ between the deploy ramdisk and the stemcell kernel; ` +
          `prefer /dev/disk/by-path or by-id`,
      );
    if (capacityMib === undefined)
      notes.push(
        `capacity of ${hint} on node ${input.node.uuid} is unknown (not declared, not inspected): accepted for ` +
          `${input.sizeMib} MiB`,
      );
    return { ok: true, chosen: { device: hint, path, capacityMib, notes } };
  }
  return { ok: false, reasons };
}
