import { describe, expect, it } from "vitest";
import {
  IronicBadRequest,
  IronicConflict,
  IronicNodeAssociated,
  IronicUnavailable,
} from "../../../../src/ironic/errors.ts";
import { CloudError, CpiError, VmCreationFailed, VmNotFound } from "../../../../src/protocol/errors.ts";
import type { DiskPlacement } from "../../../../src/services/pool/disk-placement.ts";
import { type CreateVmInput, VmService, describeVm } from "../../../../src/services/vm/service.ts";
import { rank } from "../../../../src/selection/ranking.ts";
import { type FakeIronic, fakeIronic, IMAGE, vmDeps } from "../fake-ironic.ts";

const AGENT = "0b7a3a1e-58a4-4cbb-9bb4-3d1c4a6c9e01";
const input = (over: Partial<CreateVmInput> = {}): CreateVmInput => ({
  agentId: AGENT,
  stemcellCid: "sc-1",
  cloudProperties: { resource_class: "rc" },
  networks: { default: { type: "dynamic" } },
  diskCids: [],
  env: {},
  stemcellApiVersion: 2,
  directorUuid: "dir-1",
  ...over,
});
const serviceFor = (deps: ReturnType<typeof vmDeps>) => VmService.over(deps);
const setup = (nodes: number, over: Parameters<typeof vmDeps>[1] = {}) => {
  const fake = fakeIronic();
  for (let i = 0; i < nodes; i++) fake.add({ uuid: uid(i), resource_class: "rc", properties: { cpus: 8 } });
  const deps = vmDeps(fake, over);
  return { fake, deps, vms: VmService.over(deps) };
};
/** vm_cids are node UUIDs; the service refuses to resolve anything else (it could match a node name). */
const uid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const N0 = uid(0);
const N1 = uid(1);
const bosh = (fake: FakeIronic, uuid: string) => fake.node(uuid).extra?.["bosh"] as Record<string, unknown> | undefined;

/** The server selection tries first for AGENT among N0 and N1, both free. */
const firstRanked = () =>
  rank(
    [N0, N1].map((uuid) => ({
      node: { uuid, provision_state: "available", properties: { cpus: 8 } },
      how: "free" as const,
    })),
    { seed: AGENT, states: ["available"] },
  )[0]!.node.uuid;

describe("create_vm", () => {
  it("claims with instance_info in one PATCH, deploys with the config drive, records phase created", async () => {
    const { fake, deps, vms } = setup(1);
    const vm = await vms.create(input());
    expect(vm).toMatchObject({ vmCid: AGENT, nodeUuid: N0 }); // the cid names the claim, not the server
    expect(vm.networks["default"]).toMatchObject({ type: "dynamic", mac: fake.ports[0]!.address });
    const n = fake.node(N0);
    expect(n).toMatchObject({ provision_state: "active", instance_uuid: AGENT });
    expect(bosh(fake, N0)).toMatchObject({
      vm_cid: AGENT,
      phase: "created",
      created_at: expect.any(String),
      source: "available",
      agent_id: AGENT,
      director_uuid: "dir-1",
      stemcell_cid: "sc-1",
    });
    const patches = fake.calls.filter((c) => c.startsWith("PATCH"));
    expect(patches[0]).toMatch(/add \/instance_uuid, add \/extra\/bosh, add \/instance_info\/image_source/);
    expect(patches).toHaveLength(2); // the claim, and phase "created"
    expect(fake.calls).toContain(`PROVISION ${N0} active`);
    expect(deps.records.map.size).toBe(0); // a v2 agent reads everything from the config drive: no registry record
  });

  it("a v1 stemcell's agent reads a registry: its settings are stored under the VM cid and removed with the VM", async () => {
    const { deps, vms } = setup(1, {
      config: { registry: { endpoint: "http://r:p@10.0.0.7:25777", store: { url: "http://127.0.0.2:9/registry/" } } },
    });
    const vm = await vms.create(input({ stemcellApiVersion: 1 }));
    expect(deps.records.map.get(AGENT)).toMatchObject({ agent_id: AGENT });
    await vms.delete(vm.vmCid);
    expect(deps.records.map.size).toBe(0);
  });

  it("moves on when a claim is lost to a concurrent call, listing the pool again", async () => {
    const { fake, vms } = setup(2);
    const first = firstRanked();
    fake.patchFailures.set(first, [
      new IronicNodeAssociated({ status: 409, method: "PATCH", url: "x", ironicMessage: "associated" }),
    ]);
    const vm = await vms.create(input());
    expect(vm.nodeUuid).toBe(first === N0 ? N1 : N0);
    expect(fake.calls.filter((c) => c.startsWith("LIST"))).toHaveLength(2);
    expect(fake.node(first).instance_uuid).toBeNull();
  });

  it("lost races on every node end in VMCreationFailed that names them", async () => {
    const { fake, vms } = setup(2);
    const lost = () => [
      new IronicNodeAssociated({ status: 409, method: "PATCH", url: "x", ironicMessage: "associated" }),
    ];
    fake.patchFailures.set(N0, lost());
    fake.patchFailures.set(N1, lost());
    const err = await vms.create(input()).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringMatching(/2 claim\(s\) lost to concurrent create_vm calls/) });
  });

  it("a retried call answers the node it already deployed, without a second deploy", async () => {
    const { fake, vms } = setup(2);
    const first = await vms.create(input());
    fake.calls.length = 0;
    const again = await vms.create(input());
    expect(again.vmCid).toBe(first.vmCid);
    expect(fake.calls.some((c) => c.startsWith("PROVISION"))).toBe(false);
  });

  it("a retried call whose predecessor's deploy starts meanwhile finishes that deploy instead of undoing it", async () => {
    const { fake, vms } = setup(1);
    const first = await vms.create(input());
    // as if the first call had been killed right after its claim: claimed, phase creating, not deployed
    const node = first.nodeUuid;
    const rec = bosh(fake, node)!;
    fake.nodes.set(node, {
      ...fake.node(node),
      provision_state: "available",
      extra: { ...fake.node(node).extra, bosh: { ...rec, phase: "creating" } },
    });
    // ...whose deploy request lands just as the retry re-writes the node
    const landing = new IronicConflict({
      status: 409,
      method: "PATCH",
      url: "x",
      ironicMessage: "Node can not be updated while a state transition is in progress.",
    });
    fake.patchFailures.set(node, [landing]);
    const patch = fake.client.nodes.patch.bind(fake.client.nodes);
    fake.client.nodes.patch = async (id, ops, o) => {
      if (fake.patchFailures.get(id)?.length) fake.nodes.set(id, { ...fake.node(id), provision_state: "active" });
      return patch(id, ops, o);
    };
    fake.calls.length = 0;
    const again = await vms.create(input());
    expect(again.vmCid).toBe(first.vmCid);
    expect(fake.calls.some((c) => c.startsWith("PROVISION"))).toBe(false);
    expect(fake.node(node)).toMatchObject({ provision_state: "active", instance_uuid: AGENT });
    expect(bosh(fake, node)).toMatchObject({ phase: "created" });
  });

  it("with no free node, tears down the stale claim of a create_vm that died after its deploy, and takes that node", async () => {
    const { fake, vms } = setup(1);
    const dead = "5a5a5a5a-0000-4000-8000-00000000dead";
    const rec = {
      vm_cid: N0,
      agent_id: dead,
      phase: "creating",
      source: "available",
      claimed_at: "2026-11-20T00:00:00Z",
      updated_at: "2026-11-20T00:00:00Z",
    };
    fake.nodes.set(N0, { ...fake.node(N0), provision_state: "active", instance_uuid: dead, extra: { bosh: rec } });
    const vm = await vms.create(input());
    expect(vm.nodeUuid).toBe(N0);
    expect(fake.calls).toContain(`PROVISION ${N0} deleted`);
    expect(fake.node(N0)).toMatchObject({ provision_state: "active", instance_uuid: AGENT });
  });

  it("leaves a deployed claim alone while it is young: no free server", async () => {
    const { fake, vms } = setup(1);
    const busy = "5a5a5a5a-0000-4000-8000-00000000b05e";
    const now = "2026-11-21T12:00:00Z";
    fake.nodes.set(N0, {
      ...fake.node(N0),
      provision_state: "active",
      instance_uuid: busy,
      extra: {
        bosh: { vm_cid: N0, agent_id: busy, phase: "creating", source: "available", claimed_at: now, updated_at: now },
      },
    });
    await expect(vms.create(input())).rejects.toMatchObject({ okToRetry: false });
    expect(fake.calls.some((c) => c.includes("deleted"))).toBe(false);
  });

  it("a deploy failure is rolled back: node released, record removed, VMCreationFailed(ok_to_retry) with last_error", async () => {
    const { fake, deps, vms } = setup(1);
    fake.node(N0).failDeploy = "Timeout reached while waiting for callback";
    const err = await vms.create(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmCreationFailed);
    expect(err).toMatchObject({
      okToRetry: true,
      message: expect.stringMatching(new RegExp(`${N0}.*deploy failed.*Timeout reached while waiting for callback`)),
    });
    expect(fake.node(N0)).toMatchObject({ provision_state: "available", instance_uuid: null, instance_info: {} });
    expect(bosh(fake, N0)).toBeUndefined();
    expect(deps.records.map.size).toBe(0);
  });

  it("a failed deploy is recorded on the server: the director's retry (same agent_id) takes the other one", async () => {
    const { fake, vms } = setup(2);
    const first = firstRanked();
    fake.node(first).failDeploy = "no callback";
    await expect(vms.create(input())).rejects.toMatchObject({ okToRetry: true });
    expect(fake.node(first).extra?.["bosh_deploy_failures"]).toMatchObject({
      count: 1,
      agent_ids: [AGENT],
      last_error: "deploy failed: no callback",
    });
    expect(fake.node(first)).toMatchObject({ provision_state: "available", instance_uuid: null, maintenance: false });
    const retry = await vms.create(input());
    expect(retry.nodeUuid).not.toBe(first);
  });

  it("after maintenance_after_failures consecutive failures the server goes into maintenance; a good deploy clears the record", async () => {
    const { fake, vms } = setup(1, { config: { placement: { maintenance_after_failures: 2 } } });
    fake.node(N0).failDeploy = "no callback";
    await expect(vms.create(input())).rejects.toMatchObject({ okToRetry: true });
    expect(fake.node(N0).maintenance).toBe(false);
    fake.node(N0).failDeploy = undefined;
    await vms.delete((await vms.create(input({ agentId: "7e1c2a3b-0000-4000-8000-000000000001" }))).vmCid);
    expect(fake.node(N0).extra?.["bosh_deploy_failures"]).toBeUndefined();
    fake.node(N0).failDeploy = "no callback";
    for (const agentId of ["7e1c2a3b-0000-4000-8000-000000000002", "7e1c2a3b-0000-4000-8000-000000000003"]) {
      await expect(vms.create(input({ agentId }))).rejects.toMatchObject({ okToRetry: true });
    }
    expect(fake.node(N0)).toMatchObject({
      maintenance: true,
      instance_uuid: null,
      maintenance_reason: expect.stringMatching(/^bosh: 2 consecutive failed deploys/),
    });
    expect(fake.calls.filter((c) => c.startsWith("MAINTENANCE"))).toHaveLength(1);
    // a server in maintenance is never selected
    await expect(vms.create(input({ agentId: "7e1c2a3b-0000-4000-8000-000000000004" }))).rejects.toMatchObject({
      okToRetry: false,
      message: expect.stringMatching(/no free Ironic node/),
    });
  });

  it("without an ephemeral disk anywhere: VMCreationFailed(false) naming the fix, before any claim", async () => {
    const { fake, vms } = setup(2, { config: { disks: {} } });
    const err = await vms.create(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmCreationFailed);
    expect(err).toMatchObject({
      okToRetry: false,
      message: expect.stringMatching(
        /2 server\(s\) fit the vm_type, but none has an ephemeral disk for the agent: set vm_type cloud_properties ephemeral_disk, .*bosh_ephemeral_device/,
      ),
    });
    expect(fake.calls.filter((c) => c.startsWith("PATCH") || c.startsWith("PROVISION"))).toEqual([]);
  });

  it("the server's own bosh_ephemeral_device: a server without one is passed over", async () => {
    const { fake, vms } = setup(0, { config: { disks: {} } });
    fake.add({ uuid: N0, resource_class: "rc", properties: { cpus: 8 } });
    fake.add({
      uuid: N1,
      resource_class: "rc",
      properties: { cpus: 8, bosh_ephemeral_device: "/dev/disk/by-path/eph" },
    });
    const vm = await vms.create(input());
    expect(vm.nodeUuid).toBe(N1);
    expect(fake.node(N0).instance_uuid).toBeNull();
  });

  it("a rollback that cannot finish is not retryable and says so", async () => {
    const { fake, vms } = setup(1);
    fake.node(N0).failDeploy = "boom";
    fake.node(N0).failUndeploy = new IronicUnavailable("PUT", "x", "ECONNREFUSED", "refused", 3);
    const err = await vms.create(input()).catch((e: unknown) => e);
    expect(err).toMatchObject({
      okToRetry: false,
      message: expect.stringMatching(new RegExp(`rollback incomplete: release node ${N0}.*reconcile`)),
    });
  });

  it("no matching server: VMCreationFailed(false) naming the filters", async () => {
    const { vms } = setup(1);
    const err = await vms
      .create(input({ cloudProperties: { resource_class: "rc", ironic_properties: { cpus: 64 } } }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      okToRetry: false,
      message: expect.stringMatching(/no free Ironic node matches .*1 ironic_properties\.cpus below 64/),
    });
  });

  it("a stemcell without md5 on an Ironic before Ussuri is refused before any claim, saying how to fix it", async () => {
    const { fake, deps } = setup(1);
    Object.assign(fake.client, { serverVersions: { min: "1.1", max: "1.58" } });
    const sha256Only = { ...IMAGE, checksums: { sha256: IMAGE.checksums.sha256 } };
    const vms = serviceFor({ ...deps, stemcells: { resolve: async () => sha256Only } });
    const err = await vms.create(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as Error).message).toMatch(
      /stemcell sc-1 has no md5 checksum, which this Ironic \(API up to 1\.58, older than Ussuri\) requires: upload it again \(bosh upload-stemcell --fix\)/,
    );
    expect(fake.calls.filter((c) => !c.startsWith("GET"))).toEqual([]);
    // the same stemcell deploys on a current Ironic: image_os_hash_* alone
    Object.assign(fake.client, { serverVersions: { min: "1.1", max: "1.82" } });
    await vms.create(input());
    expect(fake.node(N0).instance_info).toMatchObject({
      image_os_hash_algo: "sha256",
      image_os_hash_value: IMAGE.checksums.sha256,
    });
    expect(fake.node(N0).instance_info).not.toHaveProperty("image_checksum");
  });

  it("invalid cloud_properties never reach Ironic", async () => {
    const { fake, vms } = setup(1);
    await expect(vms.create(input({ cloudProperties: { resource_clas: "rc" } }))).rejects.toBeInstanceOf(CpiError);
    expect(fake.calls).toEqual([]);
  });

  it("a retry whose provide is refused because a killed earlier call's provide landed first follows it and deploys", async () => {
    const { fake, vms } = setup(0);
    fake.add({ uuid: N0, resource_class: "rc", provision_state: "manageable", raceOn: "provide" });
    const vm = await vms.create(input({ cloudProperties: { resource_class: "rc", from_manageable: true } }));
    expect(vm.nodeUuid).toBe(N0);
    expect(fake.node(N0)).toMatchObject({ provision_state: "active", instance_uuid: AGENT });
  });

  it("a node from the manageable pool is provided first and goes back to manageable on rollback", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: "m", resource_class: "rc", provision_state: "manageable", failDeploy: "nope" });
    const vms = serviceFor(vmDeps(fake));
    await expect(
      vms.create(input({ cloudProperties: { resource_class: "rc", from_manageable: true } })),
    ).rejects.toBeInstanceOf(VmCreationFailed);
    expect(fake.calls).toContain("PROVISION m provide");
    expect(fake.node("m")).toMatchObject({ provision_state: "manageable", instance_uuid: null });
  });

  it("enrolls a server born claimed with instance_info, ports for each MAC; deletes it on rollback", async () => {
    const fake = fakeIronic();
    const vms = serviceFor(vmDeps(fake));
    const macs = ["52:54:00:aa:00:01", "52:54:00:aa:00:02"];
    const vm = await vms.create(
      input({ cloudProperties: { macs, ironic_params: { driver: "fake-hardware", name: "srv-1" } } }),
    );
    const n = fake.node(vm.nodeUuid);
    expect(n).toMatchObject({ name: "srv-1", instance_uuid: AGENT, provision_state: "active" });
    expect(n.instance_info).toMatchObject({ image_source: "http://store/img" });
    expect(bosh(fake, vm.nodeUuid)).toMatchObject({ source: "enrolled", vm_cid: vm.vmCid });
    expect(fake.ports.filter((p) => p.node_uuid === vm.nodeUuid).map((p) => p.address)).toEqual(macs);
    await vms.delete(vm.vmCid);
    expect(fake.nodes.has(vm.nodeUuid)).toBe(false);
    expect(fake.ports).toEqual([]);
  });

  it("automated_clean from the vm_type is set with the claim and restored on release", async () => {
    const { fake, vms } = setup(1);
    const vm = await vms.create(input({ cloudProperties: { resource_class: "rc", automated_clean: false } }));
    expect(fake.node(vm.nodeUuid).automated_clean).toBe(false);
    expect(bosh(fake, vm.nodeUuid)).toMatchObject({ restore: { automated_clean: null } });
    await vms.delete(vm.vmCid);
    expect(fake.node(vm.nodeUuid).automated_clean).toBeNull();
  });
});

describe("delete_vm", () => {
  it("undeploys, releases and removes the registry record; a second call succeeds", async () => {
    const { fake, deps, vms } = setup(1);
    const vm = await vms.create(input());
    await vms.delete(vm.vmCid);
    expect(fake.node(N0)).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(bosh(fake, N0)).toBeUndefined();
    expect(deps.records.map.size).toBe(0);
    await expect(vms.delete(vm.vmCid)).resolves.toBeUndefined();
    await expect(vms.delete("6f1c7e0a-0000-4000-8000-00000000dead")).resolves.toBeUndefined();
  });

  it("asks the disks hook first and keeps automated cleaning off when it says so", async () => {
    const seen: string[] = [];
    const placement: DiskPlacement = {
      nodeFor: async () => undefined,
      onVmClaimed: async (n) => void seen.push(`claimed ${n.uuid}`),
      beforeRelease: async (n) => {
        seen.push(`release ${n.uuid}`);
        return { automatedClean: false };
      },
    };
    const { fake, vms } = setup(1, { placement });
    fake.node(N0).failClean = true; // would fail if cleaning ran
    const vm = await vms.create(input());
    await vms.delete(vm.vmCid);
    expect(seen).toEqual([`claimed ${N0}`, `release ${N0}`]);
    const patchBeforeUndeploy = fake.calls
      .slice(0, fake.calls.indexOf(`PROVISION ${N0} deleted`))
      .filter((c) => c.includes("automated_clean"));
    expect(patchBeforeUndeploy.length).toBeGreaterThan(0);
    expect(fake.node(N0).provision_state).toBe("available");
  });

  it("a cleaning failure after undeploy is logged, the node left (in maintenance) for the operator, the call succeeds", async () => {
    const { fake, vms } = setup(1);
    fake.node(N0).failClean = true;
    const vm = await vms.create(input());
    await vms.delete(vm.vmCid);
    expect(fake.node(N0)).toMatchObject({ provision_state: "clean failed", maintenance: true, instance_uuid: null });
    expect(bosh(fake, N0)).toBeUndefined();
  });

  it("a retry after a delete_vm killed past its undeploy (Ironic cleared instance_uuid) finishes the release", async () => {
    const { fake, vms } = setup(1);
    const vm = await vms.create(input());
    const rec = bosh(fake, N0)!;
    fake.nodes.set(N0, {
      ...fake.node(N0),
      provision_state: "available",
      instance_uuid: null,
      extra: { bosh: { ...rec, phase: "deleting" } },
    });
    expect(await vms.has(vm.vmCid)).toBe(false);
    await vms.delete(vm.vmCid);
    expect(bosh(fake, N0)).toBeUndefined();
    expect(fake.node(N0)).toMatchObject({ provision_state: "available", instance_uuid: null });
  });

  it("never touches a node reserved for disks or held outside BOSH", async () => {
    const { fake, vms } = setup(0);
    fake.add({
      uuid: "r",
      instance_uuid: "res-1",
      extra: { bosh: { phase: "reserved", reservation: "disk", disk_cids: ["d"] } },
    });
    fake.add({ uuid: "f", instance_uuid: "foreign", provision_state: "active" });
    await vms.delete("r");
    await vms.delete("f");
    expect(fake.calls.filter((c) => !c.startsWith("GET"))).toEqual([]);
  });

  it("a retry whose undeploy is refused because a killed earlier call's undeploy landed first follows it and releases the node", async () => {
    const { fake, deps, vms } = setup(1);
    const vm = await vms.create(input());
    fake.node(N0).raceOn = "deleted";
    await vms.delete(vm.vmCid);
    expect(fake.calls).toContain(`PROVISION ${N0} deleted`);
    expect(fake.node(N0)).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(bosh(fake, N0)).toBeUndefined();
    expect(deps.records.map.size).toBe(0);
  });

  it("an undeploy refused while the node is still deployed is an error, not a release", async () => {
    const { fake, vms } = setup(1);
    const vm = await vms.create(input());
    fake.node(N0).failUndeploy = new IronicBadRequest({
      status: 400,
      method: "PUT",
      url: "x",
      ironicMessage: "refused",
    });
    await expect(vms.delete(vm.vmCid)).rejects.toBeInstanceOf(CloudError);
    expect(fake.node(N0)).toMatchObject({ provision_state: "active", instance_uuid: AGENT });
  });

  it("an Ironic failure during teardown is a CloudError (deletion not certain)", async () => {
    const { fake, vms } = setup(1);
    const vm = await vms.create(input());
    fake.node(vm.nodeUuid).failUndeploy = new IronicUnavailable("PUT", "x", "ECONNRESET", "reset", 5);
    await expect(vms.delete(vm.vmCid)).rejects.toBeInstanceOf(CloudError);
  });
});

describe("has_vm, reboot_vm, set_vm_metadata", () => {
  const NODE = "11111111-2222-4333-8444-555555555555";
  const CID = "c1a1c1a1-2222-4333-8444-555555555555";
  /** A VM as create_vm leaves it: the claim is the cid, recorded as vm_cid. */
  const created = (fake: FakeIronic, uuid = NODE, cid = CID) =>
    fake.add({
      uuid,
      instance_uuid: cid,
      provision_state: "active",
      extra: { bosh: { phase: "created", vm_cid: cid } },
    });

  it("has_vm: true only for a VM that holds a node; false for disk reservations, absent VMs and non-UUID cids", async () => {
    const { fake, vms } = setup(1);
    created(fake);
    fake.add({
      uuid: "21111111-2222-4333-8444-555555555555",
      instance_uuid: "c2c2c2c2-2222-4333-8444-555555555555",
      extra: { bosh: { phase: "reserved" } },
    });
    expect(await vms.has(CID)).toBe(true);
    expect(await vms.has(NODE)).toBe(false); // a node UUID is not the VM's cid
    expect(await vms.has("c2c2c2c2-2222-4333-8444-555555555555")).toBe(false);
    expect(await vms.has("31111111-2222-4333-8444-555555555555")).toBe(false);
    expect(await vms.has("node-0")).toBe(false);
  });

  it("a VM made before the claim identity (cid = node UUID, recorded as vm_cid) still resolves", async () => {
    const { fake, vms } = setup(0);
    fake.add({
      uuid: NODE,
      instance_uuid: "0b7a3a1e-0000-4000-8000-0000000000aa",
      provision_state: "active",
      extra: { bosh: { phase: "created", vm_cid: NODE } },
    });
    expect(await vms.has(NODE)).toBe(true);
    expect(await vms.has("0b7a3a1e-0000-4000-8000-0000000000aa")).toBe(false);
  });

  it("an old cid never reaches the server's next VM: has_vm false, delete_vm a no-op, set_vm_metadata ignored", async () => {
    const { fake, vms } = setup(1);
    const old = await vms.create(input());
    await vms.delete(old.vmCid);
    const next = await vms.create(input({ agentId: "7e1c2a3b-0000-4000-8000-000000000002" }));
    expect(next.nodeUuid).toBe(old.nodeUuid);
    expect(next.vmCid).not.toBe(old.vmCid);
    expect(await vms.has(old.vmCid)).toBe(false);
    fake.calls.length = 0;
    await vms.delete(old.vmCid);
    await vms.setMetadata(old.vmCid, { deployment: "stale" });
    await expect(vms.reboot(old.vmCid)).rejects.toBeInstanceOf(VmNotFound);
    expect(fake.calls.filter((c) => !c.startsWith("GET") && !c.startsWith("LIST"))).toEqual([]);
    expect(fake.node(N0)).toMatchObject({ provision_state: "active", instance_uuid: next.vmCid });
    expect(await vms.has(next.vmCid)).toBe(true);
  });

  it("reboot_vm reboots through Ironic and waits for power on; VMNotFound otherwise", async () => {
    const { fake, vms } = setup(0);
    created(fake);
    await vms.reboot(CID);
    expect(fake.calls).toContain(`POWER ${NODE} rebooting`);
    await expect(vms.reboot("41111111-2222-4333-8444-555555555555")).rejects.toBeInstanceOf(VmNotFound);
  });

  it("set_vm_metadata writes extra.bosh.metadata, the description and acknowledged_at; a failure to record it is a CloudError; a VM that is gone is ignored", async () => {
    const { fake, vms } = setup(0);
    created(fake);
    await vms.setMetadata(CID, { deployment: "cf", instance_group: "router", index: "0" });
    expect(fake.node(NODE)).toMatchObject({
      description: "cf/router/0",
      extra: { bosh: { metadata: { deployment: "cf" }, acknowledged_at: expect.any(String) } },
    });
    fake.patchFailures.set(NODE, [new IronicUnavailable("PATCH", "x", "ECONNRESET", "reset", 1)]);
    await expect(vms.setMetadata(CID, { a: "b" })).rejects.toBeInstanceOf(CloudError);
    await expect(vms.setMetadata("51111111-2222-4333-8444-555555555555", {})).resolves.toBeUndefined();
  });

  it("describeVm builds deployment/instance_group/index from what the director sends", () => {
    expect(describeVm({ deployment: "cf", job: "router", index: "2" })).toBe("cf/router/2");
    expect(describeVm({ deployment: "cf", compiling: "golang" })).toBe("cf/compiling golang");
    expect(describeVm({})).toBeUndefined();
  });
});
