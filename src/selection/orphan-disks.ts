// Disk records a crashed create_disk left behind (pure). The director calls attach_disk right after
// create_disk; a record created for a VM that was never attached and is older than the stale margin
// belongs to a create_disk whose answer never reached the director: nobody knows its CID, nothing was
// written to it, and while it stays "live" it keeps its server from every VM that does not name it.
// Disk-first reservations (no vm_cid) wait for their create_vm and are not orphans.
import * as z from "zod";
import type { RecordNode } from "./node-record.ts";

const Record = z.looseObject({
  state: z.string().optional(),
  created_at: z.string().optional(),
  attached_at: z.string().optional(),
  vm_cid: z.string().optional(),
});

export interface OrphanDisk {
  cid: string;
  ageMs: number;
}

export function orphanDisks(node: Pick<RecordNode, "extra">, now: Date, marginMs: number): OrphanDisk[] {
  const r = z.record(z.string(), Record).safeParse(node.extra?.["bosh_disks"]);
  if (!r.success) return [];
  return Object.entries(r.data)
    .filter(([, d]) => (d.state ?? "live") === "live" && d.vm_cid && !d.attached_at && d.created_at)
    .map(([cid, d]) => ({ cid, ageMs: now.getTime() - Date.parse(d.created_at!) }))
    .filter((o) => Number.isFinite(o.ageMs) && o.ageMs > marginMs)
    .sort((a, b) => a.cid.localeCompare(b.cid));
}
