// What create_vm and delete_vm do with Ironic's newer API where the negotiated version has it, and
// without where it does not: protection (1.48), node history (1.78), health (1.109).
import { describe, expect, it } from "vitest";
import { VmCreationFailed } from "../../../../src/protocol/errors.ts";
import { type CreateVmInput, VmService } from "../../../../src/services/vm/service.ts";
import { fakeIronic, vmDeps } from "../fake-ironic.ts";

const AGENT = "0b7a3a1e-58a4-4cbb-9bb4-3d1c4a6c9e02";
const N0 = "00000000-0000-4000-8000-000000000000";
const N1 = "00000000-0000-4000-8000-000000000001";
const ENV = {
  bosh: {
    group: "prod-director-cf-diego-cell",
    groups: ["prod-director", "cf", "diego-cell", "prod-director-cf", "cf-diego-cell", "prod-director-cf-diego-cell"],
  },
};
const input = (over: Partial<CreateVmInput> = {}): CreateVmInput => ({
  agentId: AGENT,
  stemcellCid: "sc-1",
  cloudProperties: { resource_class: "rc" },
  networks: { default: { type: "dynamic" } },
  diskCids: [],
  env: ENV,
  stemcellApiVersion: 2,
  directorUuid: "dir-uuid-1",
  ...over,
});
function setup(version: string, nodes: Record<string, unknown>[] = [{}]) {
  const fake = fakeIronic({ version });
  for (const [i, n] of nodes.entries())
    fake.add({ uuid: i === 0 ? N0 : N1, name: `r1u0${i}`, resource_class: "rc", ...n });
  const deps = vmDeps(fake);
  return { fake, vms: VmService.over(deps) };
}

describe("protection (API 1.48)", () => {
  it("a created VM's server is protected, the reason naming director, deployment, instance group and VM cid", async () => {
    const { fake, vms } = setup("1.82");
    const vm = await vms.create(input());
    const n = fake.node(N0);
    expect(n.protected).toBe(true);
    expect(n.protected_reason).toBe(
      `bosh: VM ${vm.vmCid}, director prod-director, deployment cf, instance diego-cell; delete it with bosh (its delete_vm lifts this)`,
    );
  });

  it("set_vm_metadata names the instance; a server the operator unprotected stays unprotected", async () => {
    const { fake, vms } = setup("1.82");
    const vm = await vms.create(input());
    const meta = { director: "prod-director", deployment: "cf", name: "diego-cell/5b2e", index: "0" };
    await vms.setMetadata(vm.vmCid, meta);
    expect(fake.node(N0).protected_reason).toMatch(/instance diego-cell\/5b2e;/);
    await fake.client.nodes.patch(N0, [{ op: "add", path: "/protected", value: false }]); // an operator lifts it
    await vms.setMetadata(vm.vmCid, { ...meta, name: "diego-cell/other" });
    expect(fake.node(N0)).toMatchObject({ protected: false, protected_reason: null });
  });

  it("delete_vm lifts the protection before the undeploy, which Ironic refuses to anyone else", async () => {
    const { fake, vms } = setup("1.82");
    const vm = await vms.create(input());
    await expect(fake.client.states.provision(N0, "deleted")).rejects.toMatchObject({ status: 403 });
    await vms.delete(vm.vmCid);
    const order = fake.calls.filter((c) => c.includes("/protected") || c.startsWith("PROVISION"));
    expect(order.at(-2)).toMatch(/^PATCH .*add \/protected$/);
    expect(order.at(-1)).toBe(`PROVISION ${N0} deleted`);
    expect(fake.node(N0)).toMatchObject({ provision_state: "available", protected: false, instance_uuid: null });
  });

  it("a delete_vm killed after lifting the protection is finished by its retry", async () => {
    const { fake, vms } = setup("1.82");
    const vm = await vms.create(input());
    fake.nodes.get(N0)!.failUndeploy = new Error("killed"); // the call dies between lifting and undeploying
    await expect(vms.delete(vm.vmCid)).rejects.toThrow(/killed/);
    expect(fake.node(N0)).toMatchObject({ provision_state: "active", protected: false });
    fake.nodes.get(N0)!.failUndeploy = undefined;
    await vms.delete(vm.vmCid);
    expect(fake.node(N0)).toMatchObject({ provision_state: "available", instance_uuid: null });
  });

  it("an Ironic before 1.48 gets no protection and still deploys and undeploys", async () => {
    const { fake, vms } = setup("1.47");
    const vm = await vms.create(input());
    expect(fake.node(N0).protected ?? false).toBe(false);
    expect(fake.calls.some((c) => c.includes("/protected"))).toBe(false);
    await vms.delete(vm.vmCid);
    expect(fake.node(N0).provision_state).toBe("available");
  });
});

describe("node history (API 1.78)", () => {
  it("a failed deploy's VMCreationFailed names the server and Ironic's own last events for it", async () => {
    const { vms } = setup("1.82", [{ failDeploy: "Failed to prepare to deploy: no agent" }]);
    const err = (await vms.create(input()).catch((e: unknown) => e)) as VmCreationFailed;
    expect(err).toBeInstanceOf(VmCreationFailed);
    expect(err.message).toMatch(new RegExp(`^create_vm failed \\(server r1u00, node ${N0}\\)`));
    expect(err.message).toMatch(
      new RegExp(
        `Ironic's last events for it \\(baremetal node history list ${N0}\\): \\S+ ERROR \\(deploy\\): Failed to prepare to deploy: no agent`,
      ),
    );
  });

  it("before 1.78 the message is the same without the events, and nothing asks for them", async () => {
    const { fake, vms } = setup("1.77", [{ failDeploy: "Failed to prepare to deploy: no agent" }]);
    const err = (await vms.create(input()).catch((e: unknown) => e)) as VmCreationFailed;
    expect(err.message).not.toMatch(/last events/);
    expect(fake.calls.some((c) => c.startsWith("HISTORY"))).toBe(false);
  });
});

describe("health (API 1.109)", () => {
  it("a server whose BMC reports a health other than OK is never picked, and the refusal counts it", async () => {
    const { vms } = setup("1.109", [{ health: "Critical" }, { health: "Warning" }]);
    const err = (await vms.create(input()).catch((e: unknown) => e)) as VmCreationFailed;
    expect(err).toBeInstanceOf(VmCreationFailed);
    expect(err.message).toMatch(/rejected: 1 health Critical, 1 health Warning/);
  });

  it("OK and unknown (no BMC report) are picked", async () => {
    const { vms } = setup("1.109", [{ health: "Critical" }, { health: null }]);
    expect((await vms.create(input())).nodeUuid).toBe(N1);
  });
});
