// The disk books, kept in Ironic on the node that holds the devices (never in the CPI: many CPI processes
// run at once, and an operator must be able to read them with `baremetal node show -f json -c extra`):
//   extra.bosh_disks         { "<disk cid>": DiskRecord }                    one entry per existing disk
//   extra.bosh_dirty_devices { "<deviceTag>": { device, since, disk_cid, … } } used by a deleted disk, not wiped yet
//   extra.bosh_clean_hold    { automated_clean, since }                      automated_clean before the disks
//                                                                            service forced it false
// Every change is a JSON-patch of single keys (Ironic applies a patch list atomically; its patch paths only
// allow [A-Za-z0-9_-] segments, hence disk cids and device tags as keys, never device paths). `remove` of a missing
// key is a 400 for the whole list, which doubles as "someone else already did it" (see disk/service.ts).
import * as z from "zod";
import type { Node } from "../ironic/node-schema.ts";
import { type JsonPatchOp, add, remove } from "../ironic/patch.ts";
import { deviceTag } from "./cid.ts";

export const DiskRecord = z.looseObject({
  /** The hint as configured (disk_type / CPI default / node declaration). */
  device: z.string(),
  /** What attach_disk answers the agent ({"path": …}): a stable /dev/disk/by-* path when we know one. */
  path: z.string(),
  /** What the director asked for. */
  size_mib: z.number(),
  /** A dynamic disk's name, as the director gave it in cloud_properties.name. */
  name: z.string().optional(),
  /** What the device holds, when the node declared it or Ironic inspected it. */
  capacity_mib: z.number().nullable().optional(),
  attached: z.boolean(),
  /** Always "live" for an existing disk; node-record.ts (selection) ignores anything else. */
  state: z.enum(["live", "dirty"]).default("live"),
  metadata: z.record(z.string(), z.unknown()).default({}),
  created_at: z.string(),
  /** The VM it is attached to (when attached) or was last attached to. */
  vm_cid: z.string().optional(),
  attached_at: z.string().optional(),
});
export type DiskRecord = z.infer<typeof DiskRecord>;

export const DirtyDevice = z.looseObject({
  /** The device hint (the map key is its deviceTag: Ironic's PATCH paths allow only [A-Za-z0-9_-] keys). */
  device: z.string().optional(),
  since: z.string(),
  disk_cid: z.string().optional(),
  /** Set when a release asked Ironic to clean the node (automated cleaning on undeploy). */
  wipe_requested_at: z.string().optional(),
  /**
   * The node's provision_updated_at when the wipe was asked: a later transition is one that differs.
   * Ironic on MySQL/MariaDB keeps whole seconds, so a clock comparison alone cannot order a cleaning
   * that ends within the second of the request.
   */
  wipe_requested_stamp: z.string().nullable().optional(),
  /** automated_clean before that request turned it on; put back once the wipe is confirmed. */
  automated_clean_before: z.boolean().nullable().optional(),
  /** The last wipe attempt failed: why (the node's last_error). */
  wipe_failed: z.string().optional(),
});
export type DirtyDevice = z.infer<typeof DirtyDevice>;

const CleanHold = z.looseObject({ automated_clean: z.boolean().nullable(), since: z.string().optional() });
export type CleanHold = z.infer<typeof CleanHold>;

/** Node fields every disk method reads (one GET). */
export const DISK_NODE_FIELDS = [
  "uuid",
  "name",
  "instance_uuid",
  "provision_state",
  "target_provision_state",
  "maintenance",
  "last_error",
  "provision_updated_at",
  "extra",
  "properties",
  "automated_clean",
] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Disk records on the node; entries that do not parse are skipped (not ours, or hand-edited). */
export function diskRecords(node: Pick<Node, "extra">): Map<string, DiskRecord> {
  const out = new Map<string, DiskRecord>();
  const raw = node.extra?.["bosh_disks"];
  if (!isObject(raw)) return out;
  for (const [cid, v] of Object.entries(raw)) {
    const r = DiskRecord.safeParse(v);
    if (r.success) out.set(cid, r.data);
  }
  return out;
}

export function liveRecords(node: Pick<Node, "extra">): Map<string, DiskRecord> {
  return new Map([...diskRecords(node)].filter(([, r]) => r.state === "live"));
}

/** Dirty devices by device hint. */
export function dirtyDevices(node: Pick<Node, "extra">): Map<string, DirtyDevice> {
  const out = new Map<string, DirtyDevice>();
  const raw = node.extra?.["bosh_dirty_devices"];
  if (!isObject(raw)) return out;
  for (const [key, v] of Object.entries(raw)) {
    const r = DirtyDevice.safeParse(v);
    const entry = r.success ? r.data : { since: "unknown" };
    out.set(entry.device ?? key, entry);
  }
  return out;
}

export function cleanHold(node: Pick<Node, "extra">): CleanHold | undefined {
  const r = CleanHold.safeParse(node.extra?.["bosh_clean_hold"]);
  return r.success ? r.data : undefined;
}

/** add one member of an extra.<map>, creating the map when the node has none (a JSON-patch needs the parent). */
function putMember(node: Pick<Node, "extra">, map: string, key: string, value: unknown): JsonPatchOp {
  return isObject(node.extra?.[map]) ? add(["extra", map, key], value) : add(["extra", map], { [key]: value });
}

export const putDisk = (node: Pick<Node, "extra">, cid: string, rec: DiskRecord) =>
  putMember(node, "bosh_disks", cid, rec);
export const dropDisk = (cid: string) => remove(["extra", "bosh_disks", cid]);
export const putDirty = (node: Pick<Node, "extra">, device: string, d: DirtyDevice) =>
  putMember(node, "bosh_dirty_devices", deviceTag(device), { ...d, device });
export const dropDirty = (device: string) => remove(["extra", "bosh_dirty_devices", deviceTag(device)]);

/**
 * Ops that keep Ironic's automated cleaning off while the node holds live disks, remembering the value it had
 * (only once: a second hold would remember our own `false`).
 */
export function holdCleaningOps(node: Pick<Node, "extra" | "automated_clean">, now: Date): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  if (!cleanHold(node))
    ops.push(
      add(["extra", "bosh_clean_hold"], { automated_clean: node.automated_clean ?? null, since: now.toISOString() }),
    );
  if (node.automated_clean !== false) ops.push(add("/automated_clean", false));
  return ops;
}

/** Ops that give automated_clean back (the configured cleaning returns) once no live disk remains. */
export function releaseCleaningOps(node: Pick<Node, "extra" | "automated_clean">): JsonPatchOp[] {
  const hold = cleanHold(node);
  if (!hold) return [];
  const ops: JsonPatchOp[] = [remove(["extra", "bosh_clean_hold"])];
  if (node.automated_clean !== hold.automated_clean) ops.push(add("/automated_clean", hold.automated_clean));
  return ops;
}
