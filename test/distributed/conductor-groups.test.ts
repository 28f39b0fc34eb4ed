// Cloud-config AZs on Ironic's production shape: an AZ whose cloud_properties name a conductor_group
// (the director merges them into create_vm's cloud_properties) places its VMs on that group's servers,
// and that group's conductor deploys them. Two conductors, groups az1 (127.0.0.1) and az2 (127.0.0.2).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, type Harness, vmConfig } from "../integration/vm-support.ts";
import {
  IronicRest,
  claimedWithoutVm,
  createNodes,
  nodesOf,
  removeNodes,
  uniqueTag,
} from "../support/ironic-fixtures.ts";
import { ironic, ironicUrl } from "../support/servers.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `cg-${uniqueTag()}`;
/** az → the name Ironic knows that group's conductor by (127.0.0.1 for 21.4, 127.0.0.1:PORT for today's) */
const conductorOf = (az: string) => ironic().conductors.find((c) => c.group === az)?.name;
let h: Harness;

beforeAll(() => {
  expect(ironic().shape).toBe("distributed");
  expect(ironic().conductorGroups).toEqual(["az1", "az2"]);
  h = harness(vmConfig());
});
afterAll(() => removeNodes(rest, PREFIX));

describe("AZs as conductor groups", () => {
  it("each VM lands in its AZ's group and is deployed by that group's conductor; a full AZ fails typed", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNodes(rest, `${PREFIX}-az1`, 2, { resource_class: rc, conductor_group: "az1" });
    await createNodes(rest, `${PREFIX}-az2`, 2, { resource_class: rc, conductor_group: "az2" });
    const vms: [string, "az1" | "az2"][] = [];
    for (const az of ["az1", "az2", "az1", "az2"] as const) {
      const r = await h.createVm({ resource_class: rc, conductor_group: az });
      expect(r.error).toBeNull();
      vms.push([(r.result as [string])[0], az]);
    }
    const nodes = await nodesOf(rest, PREFIX);
    for (const [cid, az] of vms) {
      const node = nodes.find((n) => n.instance_uuid === cid)!;
      expect(node).toMatchObject({ provision_state: "active", conductor_group: az, conductor: conductorOf(az) });
    }

    // az1 is full; az2's servers are not taken in its place
    const full = await h.createVm({ resource_class: rc, conductor_group: "az1" });
    expect(full.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed" });
    expect(full.error!.message).toMatch(/conductor_group=az1/);
    expect(
      claimedWithoutVm(
        await nodesOf(rest, PREFIX),
        vms.map(([cid]) => cid),
      ),
    ).toEqual([]);

    for (const [cid] of vms) expect((await h.call("delete_vm", [cid])).error).toBeNull();
    for (const n of await nodesOf(rest, PREFIX))
      expect(n).toMatchObject({ provision_state: "available", instance_uuid: null });
  });
});
