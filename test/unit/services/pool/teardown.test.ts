// services/pool/teardown.ts: the one way a node is given back (delete_vm, create_vm's rollback, reconcile).
// Whatever state the VM left: undeploy if anything was deployed, wait out a transition that cannot be
// aborted, put the node back where it came from (available, manageable, or deleted when BOSH enrolled it),
// drop the claim; a cleaning failure after the undeploy is left for the operator; a claim that changed
// hands meanwhile is left alone; a rollback's extras (the deploy-failure record, maintenance) go with the
// release.
import { describe, expect, it } from "vitest";
import { add } from "../../../../src/ironic/patch.ts";
import { teardown } from "../../../../src/services/pool/teardown.ts";
import { type FakeIronic, type FakeNode, fakeIronic, vmDeps, vmNode } from "../fake-ironic.ts";

const UUID = "00000000-0000-4000-8000-0000000000d1";

/** A node BOSH holds (vmNode: active, automated_clean true, phase created), source `source`. */
function held(over: Partial<FakeNode> = {}, source = "available", rec: Record<string, unknown> = {}) {
  const fake = fakeIronic();
  const base = vmNode(UUID);
  const bosh = (base.extra as { bosh: Record<string, unknown> }).bosh;
  fake.add(
    { ...base, instance_info: { image_source: "http://x" }, extra: { bosh: { ...bosh, source, ...rec } }, ...over },
    2,
  );
  return { fake, deps: vmDeps(fake) };
}
const down = (fake: FakeIronic, over: Parameters<typeof teardown>[2] = { reason: "test" }) =>
  teardown(vmDeps(fake), structuredClone(fake.node(UUID)), over);
const isReleased = (fake: FakeIronic) => {
  const n = fake.node(UUID);
  return !n.instance_uuid && !n.extra?.["bosh"];
};
const provisions = (fake: FakeIronic) =>
  fake.calls.filter((c) => c.startsWith("PROVISION")).map((c) => c.split(" ")[2]);

/**
 * The fake's waits are instant; this makes Ironic finish a transition in progress (deploying, cleaning…)
 * while the first wait on the node runs, and records every wait's timeout.
 */
function finishesMeanwhile(fake: FakeIronic, to: string) {
  const timeouts: number[] = [];
  const client = fake.client as unknown as { waitForNode: (id: string, o: { timeoutMs?: number }) => Promise<unknown> };
  const wait = client.waitForNode;
  client.waitForNode = (id, o) => {
    timeouts.push(o.timeoutMs ?? 0);
    if (timeouts.length === 1) fake.node(id).provision_state = to;
    return wait(id, o);
  };
  return timeouts;
}

describe("teardown", () => {
  it("from active: marks the record deleting, undeploys, releases: the node is available and free", async () => {
    const { fake } = held();
    expect(await down(fake)).toEqual({ outcome: "released", node: UUID });
    expect(fake.node(UUID)).toMatchObject({ provision_state: "available", instance_uuid: null, instance_info: {} });
    expect(isReleased(fake)).toBe(true);
    expect(provisions(fake)).toEqual(["deleted"]);
    const patches = fake.calls.filter((c) => c.startsWith("PATCH"));
    // the record says "deleting" before the undeploy: a crash from here on is found by the retry and reconcile
    expect(patches[0]).toBe(`PATCH ${UUID} add /instance_uuid, add /extra/bosh/phase, add /extra/bosh/updated_at`);
    expect(fake.calls.indexOf(patches[0]!)).toBeLessThan(fake.calls.indexOf(`PROVISION ${UUID} deleted`));
    expect(fake.ports.filter((p) => p.node_uuid === UUID)).toHaveLength(2);
  });

  it("from deploy failed (a rollback): undeploys and releases", async () => {
    const { fake } = held({ provision_state: "deploy failed", last_error: "boom" }, "available", { phase: "creating" });
    expect((await down(fake)).outcome).toBe("released");
    expect(provisions(fake)).toEqual(["deleted"]);
    expect(fake.node(UUID).provision_state).toBe("available");
    expect(isReleased(fake)).toBe(true);
  });

  it("cleaning failed after the undeploy: the VM is gone, the claim released, the node left to the operator", async () => {
    const { fake } = held({ failClean: true });
    expect(await down(fake)).toEqual({ outcome: "clean failed", node: UUID });
    expect(fake.node(UUID)).toMatchObject({ provision_state: "clean failed", maintenance: true, instance_uuid: null });
    expect(isReleased(fake)).toBe(true);
    expect(provisions(fake)).toEqual(["deleted"]); // no `manage`/`provide`: the operator decides
  });

  it("a server BOSH enrolled is deleted with its ports after the undeploy", async () => {
    const { fake } = held({}, "enrolled");
    expect(await down(fake)).toEqual({ outcome: "deleted", node: UUID });
    expect(fake.nodes.has(UUID)).toBe(false);
    expect(fake.ports.filter((p) => p.node_uuid === UUID)).toEqual([]);
    expect(fake.calls.at(-1)).toBe(`DELETE ${UUID}`);
  });

  it("an enrolled server that never deployed (a rollback in manageable) is deleted without an undeploy", async () => {
    const { fake } = held({ provision_state: "manageable" }, "enrolled", { phase: "creating" });
    expect((await down(fake)).outcome).toBe("deleted");
    expect(provisions(fake)).toEqual([]);
    expect(fake.nodes.has(UUID)).toBe(false);
  });

  it("an enrolled server someone deleted meanwhile is gone, not an error", async () => {
    const { fake } = held({ provision_state: "manageable" }, "enrolled", { phase: "creating" });
    const node = structuredClone(fake.node(UUID));
    const nodes = fake.client.nodes as unknown as { find: (id: string) => Promise<unknown> };
    const find = nodes.find;
    nodes.find = async (id) => {
      fake.nodes.delete(id);
      return find(id);
    };
    expect(await teardown(vmDeps(fake), node, { reason: "test" })).toEqual({ outcome: "gone", node: UUID });
  });

  it("a server from the manageable pool goes back to manageable after the undeploy", async () => {
    const { fake } = held({}, "manageable");
    expect((await down(fake)).outcome).toBe("released");
    expect(provisions(fake)).toEqual(["deleted", "manage"]);
    expect(fake.node(UUID).provision_state).toBe("manageable");
    expect(isReleased(fake)).toBe(true);
  });

  it("a server from the available pool left manageable (its preparation failed) is provided again", async () => {
    const { fake } = held({ provision_state: "manageable" }, "available", { phase: "creating" });
    expect((await down(fake)).outcome).toBe("released");
    expect(provisions(fake)).toEqual(["provide"]);
    expect(fake.node(UUID).provision_state).toBe("available");
  });

  it("our own manual cleaning that failed is taken back with `manage`, then provided", async () => {
    const { fake } = held({ provision_state: "clean failed" }, "available", { phase: "creating" });
    expect((await down(fake)).outcome).toBe("released");
    expect(provisions(fake)).toEqual(["manage", "provide"]);
    expect(fake.node(UUID).provision_state).toBe("available");
    expect(isReleased(fake)).toBe(true);
  });

  it("a deploy in progress cannot be aborted: it is waited out (up to the record's deploy_timeout + delete_timeout)", async () => {
    const { fake, deps } = held({ provision_state: "deploying" }, "available", {
      phase: "creating",
      deploy_timeout: 100,
    });
    const timeouts = finishesMeanwhile(fake, "active");
    expect((await down(fake)).outcome).toBe("released");
    expect(timeouts[0]).toBe((100 + deps.config.ironic.delete_timeout) * 1000);
    expect(provisions(fake)).toEqual(["deleted"]);
    expect(fake.node(UUID).provision_state).toBe("available");
    expect(isReleased(fake)).toBe(true);
  });

  it("a claim that changed hands meanwhile is left alone", async () => {
    const { fake } = held();
    const other = "22220000-0000-4000-8000-000000000000";
    const states = fake.client.states as unknown as { provision: (id: string, t: string) => Promise<void> };
    const provision = states.provision;
    states.provision = async (id, target) => {
      await provision(id, target);
      // the undeploy freed the node and another create_vm claimed it before our release
      Object.assign(fake.node(id), {
        instance_uuid: other,
        extra: { bosh: { phase: "creating", vm_cid: other, claimed_at: "2026-11-21T12:30:00Z" } },
      });
    };
    expect((await down(fake)).outcome).toBe("released");
    expect(fake.node(UUID).instance_uuid).toBe(other);
    expect(fake.node(UUID).extra?.["bosh"]).toMatchObject({ vm_cid: other, phase: "creating" });
  });

  it("a rollback's extras: the deploy-failure record and maintenance, set before the record that holds the node is dropped", async () => {
    const { fake } = held({ provision_state: "deploy failed" }, "available", { phase: "creating" });
    const record = { count: 3, last_at: "2026-11-21T12:00:00Z", agent_ids: ["a"] };
    const result = await down(fake, {
      reason: "rollback",
      release: {
        ops: [add("/extra/bosh_deploy_failures", record)],
        maintenanceReason: "bosh: 3 consecutive failed deploys",
      },
    });
    expect(result.outcome).toBe("released");
    expect(fake.node(UUID)).toMatchObject({
      maintenance: true,
      maintenance_reason: "bosh: 3 consecutive failed deploys",
      instance_uuid: null,
      extra: { bosh_deploy_failures: record },
    });
    expect(isReleased(fake)).toBe(true);
    const maintenance = fake.calls.indexOf(`MAINTENANCE ${UUID}`);
    const release = fake.calls.findLastIndex((c) => c.startsWith(`PATCH ${UUID}`) && c.includes("remove /extra/bosh"));
    expect(maintenance).toBeGreaterThan(-1);
    expect(maintenance).toBeLessThan(release);
    expect(fake.calls[release]).toContain("add /extra/bosh_deploy_failures");
  });

  it("a server already in maintenance is not put there again: the operator's reason stays", async () => {
    const { fake } = held({ provision_state: "deploy failed", maintenance: true, maintenance_reason: "op" });
    await down(fake, { reason: "rollback", release: { ops: [], maintenanceReason: "again" } });
    expect(fake.calls.filter((c) => c.startsWith("MAINTENANCE"))).toEqual([]);
    expect(fake.node(UUID).maintenance_reason).toBe("op");
    expect(isReleased(fake)).toBe(true);
  });

  it("the disks' hook turns automated cleaning off before the undeploy: no cleaning, so no cleaning failure", async () => {
    const fake = fakeIronic();
    fake.add({ ...vmNode(UUID), failClean: true });
    const deps = {
      ...vmDeps(fake),
      placement: { ...vmDeps(fake).placement, beforeRelease: async () => ({ automatedClean: false }) },
    };
    expect((await teardown(deps, structuredClone(fake.node(UUID)), { reason: "test" })).outcome).toBe("released");
    const clean = fake.calls.findIndex((c) => c.includes("add /automated_clean"));
    expect(clean).toBeGreaterThan(-1);
    expect(clean).toBeLessThan(fake.calls.indexOf(`PROVISION ${UUID} deleted`));
    expect(fake.node(UUID).provision_state).toBe("available");
  });

  it("a killed earlier call's undeploy that landed first is followed, not an error", async () => {
    const { fake } = held({ raceOn: "deleted" });
    expect((await down(fake)).outcome).toBe("released");
    expect(fake.node(UUID).provision_state).toBe("available");
    expect(isReleased(fake)).toBe(true);
  });

  it("a node without a claim or record (a retry after everything was done) is left as it is", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: UUID });
    expect(await teardown(vmDeps(fake), structuredClone(fake.node(UUID)), { reason: "test" })).toEqual({
      outcome: "released",
      node: UUID,
    });
    expect(fake.calls.filter((c) => c.startsWith("PATCH") || c.startsWith("PROVISION"))).toEqual([]);
  });
});
