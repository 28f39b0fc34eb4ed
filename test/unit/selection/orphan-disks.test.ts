import { expect, test } from "vitest";
import { orphanDisks } from "../../../src/selection/orphan-disks.ts";

const now = new Date("2026-11-21T12:10:00Z");
const at = (min: number) => new Date(now.getTime() - min * 60_000).toISOString();

test("a live disk created for a VM, never attached, older than the margin is an orphan", () => {
  const node = {
    extra: {
      bosh_disks: {
        "disk-orphan": { state: "live", vm_cid: "vm-1", created_at: at(30) },
        "disk-attached": { state: "live", vm_cid: "vm-1", created_at: at(30), attached_at: at(29) },
        "disk-young": { state: "live", vm_cid: "vm-1", created_at: at(5) },
        "disk-first": { state: "live", created_at: at(30) },
        "disk-dirty": { state: "dirty", vm_cid: "vm-1", created_at: at(30) },
      },
    },
  };
  expect(orphanDisks(node, now, 10 * 60_000)).toEqual([{ cid: "disk-orphan", ageMs: 30 * 60_000 }]);
});

test("no records, or records that are not ours to read, give no orphans", () => {
  expect(orphanDisks({ extra: {} }, now, 0)).toEqual([]);
  expect(orphanDisks({ extra: { bosh_disks: "garbled" } }, now, 0)).toEqual([]);
  expect(orphanDisks({ extra: { bosh_disks: { d: { vm_cid: "v", created_at: "not a date" } } } }, now, 0)).toEqual([]);
});
