// A conductor dies (SIGKILL) under a running deployment, on Ironic's production shape with its own
// processes (MariaDB, ironic-api, conductors 127.0.0.1 in az1 and 127.0.0.2 in az2). Calls for the dead
// conductor's group fail with typed errors the director may retry, the other group keeps deploying,
// nothing is left claimed, and once the conductor is back the same calls succeed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IronicServer, startIronic } from "../harness/ironic.ts";
import { harness, type Harness, vmConfig } from "../integration/vm-support.ts";
import { IronicRest, claimedWithoutVm, createNodes, nodesOf, uniqueTag } from "../support/ironic-fixtures.ts";

const PREFIX = `ck-${uniqueTag()}`;
let own: IronicServer;
let rest: IronicRest;
let h: Harness;

beforeAll(async () => {
  // heartbeats every 2 s: Ironic notices the dead conductor after 6 s
  own = await startIronic({ shape: "distributed", syncInterval: 2 });
  rest = new IronicRest(own.url);
  h = harness(vmConfig({}, own.url));
});
afterAll(() => own?.stop());

/** Waits until the API lists the conductor as not alive. */
async function conductorGone(host: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const c = await rest.call<{ alive: boolean }>("GET", `/v1/conductors/${host}`);
    if (!c.alive) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`conductor ${host} still alive after 60 s`);
}

describe("a conductor killed", () => {
  it("its group's calls fail typed and retryable, nothing leaks, the other group deploys; back, they succeed", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNodes(rest, `${PREFIX}-az1`, 2, { resource_class: rc, conductor_group: "az1" });
    await createNodes(rest, `${PREFIX}-az2`, 1, { resource_class: rc, conductor_group: "az2" });
    const create = (az: string) => h.createVm({ resource_class: rc, conductor_group: az });
    const first = await create("az1");
    expect(first.error).toBeNull();
    const vmA = (first.result as [string])[0];

    const az1 = own.conductors.find((c) => c.group === "az1")!;
    await az1.kill();
    for (const phase of ["Ironic still routes to it", "Ironic knows it is gone"]) {
      // the second time, once the API reports the conductor dead (heartbeats every 2 s, timeout 6 s)
      if (phase === "Ironic knows it is gone") await conductorGone(az1.name);
      const r = await create("az1");
      expect(r.error, phase).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: true });
      expect(r.error!.message).toMatch(/the node was rolled back and released/);
      const del = await h.call("delete_vm", [vmA]);
      expect(del.error, phase).toMatchObject({ type: "Bosh::Clouds::CloudError" });
      // the VM is still there for the director's next delete_vm, and no server is left claimed
      expect((await h.call("has_vm", [vmA])).result).toBe(true);
      const nodes = await nodesOf(rest, PREFIX);
      expect(nodes.find((n) => n.instance_uuid === vmA)).toMatchObject({ provision_state: "active" });
      expect(claimedWithoutVm(nodes, [vmA])).toEqual([]);
    }
    const other = await create("az2");
    expect(other.error).toBeNull();
    const vmB = (other.result as [string])[0];

    await az1.start();
    const again = await create("az1");
    expect(again.error).toBeNull();
    for (const vm of [vmA, vmB, (again.result as [string])[0]])
      expect((await h.call("delete_vm", [vm])).error).toBeNull();
    expect(claimedWithoutVm(await nodesOf(rest, PREFIX))).toEqual([]);
  });
});
