import { describe, expect, it } from "vitest";
import { CloudError } from "../../../../src/protocol/errors.ts";
import { prepareNode } from "../../../../src/services/pool/prepare.ts";
import { fakeIronic, vmDeps } from "../fake-ironic.ts";

const NODE = "00000000-0000-4000-8000-000000000001";
const RAID = { logical_disks: [{ size_gb: "MAX", raid_level: "1", is_root_volume: true }] };
const liveDisk = {
  "disk-x": { device: "/dev/disk/by-path/pci-1", path: "/dev/disk/by-path/pci-1", state: "live", attached: false },
};

describe("prepareNode", () => {
  it("refuses to rebuild the RAID of a node that holds persistent disks, before any cleaning", async () => {
    const fake = fakeIronic();
    const node = fake.add({
      uuid: NODE,
      name: "r1u07",
      provision_state: "manageable",
      extra: { bosh_disks: liveDisk },
    });
    const deps = vmDeps(fake);
    await expect(
      prepareNode(deps, structuredClone(node) as never, "claim", { raid: RAID } as never, 60),
    ).rejects.toThrowError(
      new CloudError(
        "vm_type raid would rebuild the RAID of node r1u07, which holds persistent disks (disk-x); delete those disks first, or leave raid out of this vm_type",
      ),
    );
    expect(fake.calls.filter((c) => c.startsWith("PROVISION"))).toEqual([]);
  });

  it("still runs the BIOS cleaning there (BIOS settings do not touch the disks)", async () => {
    const fake = fakeIronic();
    const held = {
      vm_cid: NODE,
      agent_id: "claim",
      phase: "creating",
      source: "manageable",
      claimed_at: "2026-11-21T12:00:00Z",
      updated_at: "2026-11-21T12:00:00Z",
    };
    const node = fake.add({
      uuid: NODE,
      provision_state: "manageable",
      instance_uuid: "claim",
      extra: { bosh: held, bosh_disks: liveDisk },
    });
    const deps = vmDeps(fake);
    await prepareNode(
      deps,
      structuredClone(node) as never,
      "claim",
      { bios_settings: [{ name: "LogicalProc", value: "Disabled" }] } as never,
      60,
    );
    expect(fake.calls).toContain(`PROVISION ${NODE} clean`);
  });
});
