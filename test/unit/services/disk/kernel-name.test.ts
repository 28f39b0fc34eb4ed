// A kernel-name hint (/dev/sdX) the inventory knows is recorded with the inventory's stable link as the agent's
// path: the deploy ramdisk and the stemcell kernel may enumerate disks differently (found by the unit tests).
import { expect, it } from "vitest";
import { parseDiskCloudProperties } from "../../../../src/services/disk/cloud-properties.ts";
import { createOnVm } from "../../../../src/services/disk/create.ts";
import { diskDeps, fakeIronic, vmCidOf, vmNode } from "../fake-ironic.ts";

it("a /dev/sdX hint found in the inventory records the inventory's by-path link as the agent's path", async () => {
  const NODE = "11111111-1111-4111-8111-111111111111";
  const fake = fakeIronic();
  fake.add({
    ...vmNode(NODE),
    inventory: {
      disks: [
        { name: "/dev/sda", size: 500 * 2 ** 30, by_path: "/dev/disk/by-path/p-1" },
        { name: "/dev/sdb", size: 2 * 2 ** 30, by_path: "/dev/disk/by-path/p-2" },
      ],
    },
  });
  const props = parseDiskCloudProperties({ device: "/dev/sdb" }, []);
  const cid = await createOnVm(diskDeps(fake), 1024, props, vmCidOf(NODE));
  const rec = (fake.node(NODE).extra!["bosh_disks"] as Record<string, Record<string, unknown>>)[cid];
  expect(rec).toMatchObject({ device: "/dev/sdb", capacity_mib: 2048 }); // capacity does come from the inventory
  expect(rec?.["path"]).toBe("/dev/disk/by-path/p-2");
});
