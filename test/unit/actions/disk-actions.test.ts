import { describe, expect, test } from "vitest";
import AttachDisk from "../../../actions/attach_disk.ts";
import CreateDisk from "../../../actions/create_disk.ts";
import DeleteDisk from "../../../actions/delete_disk.ts";
import DetachDisk from "../../../actions/detach_disk.ts";
import GetDisks from "../../../actions/get_disks.ts";
import HasDisk from "../../../actions/has_disk.ts";
import SetDiskMetadata from "../../../actions/set_disk_metadata.ts";
import { DiskNotFound } from "../../../src/protocol/errors.ts";
import { runDiskAction } from "./disk-action-context.ts";

const VM = "11111111-1111-4111-8111-111111111111";
const DISK = `disk-${VM}-0123abcd-mwqcvq3s`;

describe("disk actions", () => {
  test("create_disk passes size, cloud_properties and vm_cid (null for disk first) and answers the cid", async () => {
    expect(await runDiskAction(CreateDisk, [1024, { device: "/dev/sdc" }, VM], { create: DISK })).toEqual({
      result: DISK,
      calls: [["create", 1024, { device: "/dev/sdc" }, VM]],
    });
    expect((await runDiskAction(CreateDisk, [1024, {}, null], { create: DISK })).calls).toEqual([
      ["create", 1024, {}, null],
    ]);
    await expect(runDiskAction(CreateDisk, [0, {}, null])).rejects.toThrow(/size/);
  });

  test("attach_disk answers the hint for API v2 and null for v1, telling the service the stemcell's API version", async () => {
    const hint = { path: "/dev/disk/by-path/p-2" };
    expect(await runDiskAction(AttachDisk, [VM, DISK], { attach: hint }, { stemcellApiVersion: 2 })).toEqual({
      result: hint,
      calls: [["attach", VM, DISK, { stemcellApiVersion: 2 }]],
    });
    expect((await runDiskAction(AttachDisk, [VM, DISK], { attach: hint }, { apiVersion: 1 })).result).toBeNull();
  });

  test("detach_disk, delete_disk and set_disk_metadata answer null", async () => {
    expect(await runDiskAction(DetachDisk, [VM, DISK])).toEqual({
      result: null,
      calls: [["detach", VM, DISK, { stemcellApiVersion: undefined }]],
    });
    expect(await runDiskAction(DeleteDisk, [DISK])).toEqual({ result: null, calls: [["delete", DISK]] });
    expect(await runDiskAction(SetDiskMetadata, [DISK, { director: "d", index: 0 }])).toEqual({
      result: null,
      calls: [["setMetadata", DISK, { director: "d", index: 0 }]],
    });
  });

  test("delete_disk passes DiskNotFound through (the director tolerates it)", async () => {
    await expect(runDiskAction(DeleteDisk, [DISK], { delete: new DiskNotFound("gone") })).rejects.toThrow(DiskNotFound);
  });

  test("has_disk answers the boolean, get_disks the list", async () => {
    expect((await runDiskAction(HasDisk, [DISK], { has: false })).result).toBe(false);
    expect((await runDiskAction(GetDisks, [VM], { attached: [] })).result).toEqual([]);
  });
});
