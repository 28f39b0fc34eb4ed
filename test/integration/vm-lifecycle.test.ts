// create_vm / has_vm / set_vm_metadata / reboot_vm / delete_vm against the real Ironic (fake-hardware), in
// every selection mode, through the real dispatcher. After every test: no node claimed without a VM.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  claimedWithoutVm,
  createNode,
  createNodes,
  nodesOf,
  removeNodes,
  uniqueMac,
  someConductorGroup,
  uniqueTag,
  IronicRest,
} from "../support/ironic-fixtures.ts";
import { ironicUrl } from "../support/servers.ts";
import { STEMCELL_CID, harness, vmConfig } from "./vm-support.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `vmlc-${uniqueTag()}`;
const NETWORKS = {
  default: {
    type: "manual",
    ip: "10.0.0.10",
    netmask: "255.255.255.0",
    gateway: "10.0.0.1",
    default: ["dns", "gateway"],
    cloud_properties: {},
  },
};
let h: ReturnType<typeof harness>;
let live: string[] = [];

beforeAll(() => {
  h = harness(vmConfig(), { networks: NETWORKS, env: { bosh: { password: "x" } } });
});
afterEach(async () => {
  const offenders = claimedWithoutVm(await nodesOf(rest, PREFIX), live);
  // leave the next test a clean pool even when this one failed
  for (const n of await nodesOf(rest, PREFIX)) if (n.instance_uuid || n.extra["bosh"]) await rest.forceDelete(n.uuid);
  live = [];
  expect(offenders).toEqual([]);
});
afterAll(async () => {
  await removeNodes(rest, PREFIX);
});

describe("selection by MAC", () => {
  it("creates a VM on the server owning the MAC, answers [claim, networks with mac], deletes it", async () => {
    const node = await createNode(rest, `${PREFIX}-mac`);
    const agentId = randomUUID();
    const created = await h.createVm({ macs: [node.macs[0]!.toUpperCase()] }, { agentId });
    expect(created.error).toBeNull();
    const [vmCid, networks] = created.result as [string, Record<string, { mac: string }>];
    expect(vmCid).toBe(agentId); // the claim's instance_uuid names this provisioning, not the server
    expect(networks["default"]!.mac).toBe(node.macs[0]);
    const doc = await rest.node(node.uuid);
    expect(doc.provision_state).toBe("active");
    expect(doc.instance_uuid).toBe(agentId);
    expect(doc.extra["bosh"]).toMatchObject({
      vm_cid: vmCid,
      phase: "created",
      source: "available",
      agent_id: agentId,
      stemcell_cid: STEMCELL_CID,
      director_uuid: "director-1",
    });
    expect(doc["instance_info"]).toMatchObject({
      image_source: expect.stringContaining("root.img"),
      image_os_hash_algo: "sha256",
      image_checksum: "b".repeat(32),
    });
    expect(h.settings.records.size).toBe(0); // a v2 agent reads its settings from the config drive: no registry record
    expect((await h.call("has_vm", [vmCid])).result).toBe(true);

    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
    const after = await rest.node(node.uuid);
    expect(after.provision_state).toBe("available");
    expect(after.instance_uuid).toBeNull();
    expect(after.extra["bosh"]).toBeUndefined();
    expect(h.settings.records.has(vmCid)).toBe(false);
    expect((await h.call("has_vm", [vmCid])).result).toBe(false);
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull(); // idempotent
  });

  it("answers the v1 shape (the cid alone) for api_version 1", async () => {
    const node = await createNode(rest, `${PREFIX}-v1`);
    const agentId = randomUUID();
    const r = await h.call("create_vm", [agentId, STEMCELL_CID, { macs: node.macs }, NETWORKS, [], {}], {
      apiVersion: 1,
    });
    expect(r.error).toBeNull();
    expect(r.result).toBe(agentId);
    expect((await h.call("delete_vm", [agentId])).error).toBeNull();
  });

  it("refuses with a clear, non-retryable error when no server owns the MAC", async () => {
    const r = await h.createVm({ macs: [uniqueMac()] });
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: false });
    expect(r.error!.message).toMatch(/no free Ironic node matches \(macs=/);
  });
});

describe("one provisioning, one identity", () => {
  it("an old VM cid never touches the server's next VM: has_vm false, delete_vm/set_vm_metadata leave it, reboot_vm is VMNotFound", async () => {
    const node = await createNode(rest, `${PREFIX}-ident`);
    const a = await h.createVm({ macs: node.macs });
    const [oldCid] = a.result as [string];
    expect((await h.call("delete_vm", [oldCid])).error).toBeNull();
    const b = await h.createVm({ macs: node.macs });
    const [newCid] = b.result as [string];
    expect(newCid).not.toBe(oldCid);
    live.push(newCid);
    expect((await rest.vmNode(newCid)).uuid).toBe(node.uuid); // the same server
    expect(await h.call("has_vm", [oldCid])).toMatchObject({ result: false, error: null });
    expect(await h.call("has_vm", [node.uuid])).toMatchObject({ result: false, error: null }); // a server is not a VM
    expect((await h.call("delete_vm", [oldCid])).error).toBeNull(); // a late retry, an orphan clean-up
    expect((await h.call("set_vm_metadata", [oldCid, { deployment: "stale" }])).error).toBeNull();
    expect((await h.call("reboot_vm", [oldCid])).error).toMatchObject({ type: "Bosh::Clouds::VMNotFound" });
    const doc = await rest.node(node.uuid);
    expect(doc).toMatchObject({ provision_state: "active", instance_uuid: newCid });
    expect(doc.extra["bosh"]).toMatchObject({ vm_cid: newCid, phase: "created" });
    expect((doc.extra["bosh"] as Record<string, unknown>)["metadata"]).toBeUndefined();
    expect(await h.call("has_vm", [newCid])).toMatchObject({ result: true });
    live.pop();
    expect((await h.call("delete_vm", [newCid])).error).toBeNull();
  });

  it("a VM made before this identity (cid = node UUID) is still found, deleted, and its cid then names nothing", async () => {
    const node = await createNode(rest, `${PREFIX}-legacy`);
    const r = await h.createVm({ macs: node.macs });
    const [vmCid] = r.result as [string];
    // what the previous CPI version wrote: vm_cid = the node UUID
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [{ op: "add", path: "/extra/bosh/vm_cid", value: node.uuid }]);
    expect(await h.call("has_vm", [node.uuid])).toMatchObject({ result: true });
    expect(await h.call("has_vm", [vmCid])).toMatchObject({ result: false });
    expect((await h.call("delete_vm", [node.uuid])).error).toBeNull();
    expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
    const next = await h.createVm({ macs: node.macs });
    live.push((next.result as [string])[0]);
    expect(await h.call("has_vm", [node.uuid])).toMatchObject({ result: false });
    expect((await h.call("delete_vm", [node.uuid])).error).toBeNull();
    expect((await rest.node(node.uuid)).provision_state).toBe("active");
    expect((await h.call("delete_vm", [live.pop()!])).error).toBeNull();
  });
});

describe("selection by hardware spec", () => {
  it("takes the smallest server that fits, comparing properties stored as strings as numbers", async () => {
    const rc = `rc-${uniqueTag()}`;
    const nodes = await createNodes(rest, `${PREFIX}-spec`, 4, (i) => ({
      resource_class: rc,
      properties: [
        { cpus: "2", memory_mb: "4096", local_gb: "40", cpu_arch: "x86_64" }, // too small (inspector strings)
        { cpus: "16", memory_mb: "65536", local_gb: "400", cpu_arch: "x86_64" },
        { cpus: "8", memory_mb: "32768", local_gb: "200", cpu_arch: "x86_64" }, // smallest fit
        { memory_mb: 131072 }, // no cpus key: rejected, no crash
      ][i]!,
    }));
    const r = await h.createVm({
      resource_class: rc,
      ironic_properties: { cpus: 4, memory_mb: 8192, cpu_arch: "x86_64" },
    });
    expect(r.error).toBeNull();
    const [vmCid] = r.result as [string];
    expect((await rest.vmNode(vmCid)).uuid).toBe(nodes[2]!.uuid);
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
  });

  it("says what was asked and how many nodes each filter rejected", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNodes(rest, `${PREFIX}-none`, 3, (i) => ({
      resource_class: rc,
      properties: { cpus: 2 + i },
      state: i === 2 ? "manageable" : "available",
    }));
    const r = await h.createVm({ resource_class: rc, ironic_properties: { cpus: 3, memory_mb: 1024 } });
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: false });
    expect(r.error!.message).toContain(`resource_class=${rc}`);
    expect(r.error!.message).toMatch(/1 ironic_properties\.cpus below 3/);
    expect(r.error!.message).toMatch(/1 ironic_properties\.memory_mb missing/);
    expect(r.error!.message).toMatch(/1 provision_state manageable/);
  });

  it("filters on traits, owner and conductor_group", async () => {
    const rc = `rc-${uniqueTag()}`;
    const nodes = await createNodes(rest, `${PREFIX}-traits`, 3, (i) => ({
      resource_class: rc,
      owner: i === 2 ? "team-b" : "team-a",
      traits: i === 0 ? ["CUSTOM_FAST"] : ["CUSTOM_GPU", "CUSTOM_FAST"],
      conductor_group: someConductorGroup(),
    }));
    const r = await h.createVm({
      resource_class: rc,
      traits: ["CUSTOM_GPU"],
      owner: "team-a",
      conductor_group: someConductorGroup(),
    });
    expect(r.error).toBeNull();
    const [vmCid] = r.result as [string];
    expect((await rest.vmNode(vmCid)).uuid).toBe(nodes[1]!.uuid);
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
  });
});

describe("the manageable pool", () => {
  it("provides a manageable node on claim and returns it to manageable on delete", async () => {
    const rc = `rc-${uniqueTag()}`;
    const node = await createNode(rest, `${PREFIX}-pool`, {
      resource_class: rc,
      state: "manageable",
      properties: { cpus: 4 },
    });
    const r = await h.createVm({ resource_class: rc, from_manageable: true });
    expect(r.error).toBeNull();
    expect((await rest.node(node.uuid)).extra["bosh"]).toMatchObject({ source: "manageable", phase: "created" });
    expect((await h.call("delete_vm", [(r.result as [string])[0]])).error).toBeNull();
    const after = await rest.node(node.uuid);
    expect(after.provision_state).toBe("manageable");
    expect(after.instance_uuid).toBeNull();
    expect(after.extra["bosh"]).toBeUndefined();
  });

  it("does not take manageable nodes without from_manageable", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNode(rest, `${PREFIX}-nopool`, { resource_class: rc, state: "manageable" });
    const r = await h.createVm({ resource_class: rc });
    expect(r.error).toMatchObject({ ok_to_retry: false });
    expect(r.error!.message).toMatch(/1 provision_state manageable/);
  });
});

describe("enrollment", () => {
  it("enrolls a server with its ports from ironic_params in the AZ's conductor group, and deletes node and ports on delete_vm", async () => {
    const macs = [uniqueMac(), uniqueMac()];
    const name = `${PREFIX}-enrolled`;
    const r = await h.createVm({
      macs,
      conductor_group: someConductorGroup(), // as the AZ's cloud_properties

      ironic_params: {
        driver: "fake-hardware",
        name,
        properties: { cpus: 8, bosh_ephemeral_device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" },
        inspect: true,
      },
    });
    expect(r.error).toBeNull();
    const [vmCid] = r.result as [string];
    const doc = await rest.vmNode(vmCid);
    expect(doc.name).toBe(name);
    expect(doc.provision_state).toBe("active");
    expect(doc["conductor_group"]).toBe(someConductorGroup());
    expect(doc.extra["bosh"]).toMatchObject({ source: "enrolled", phase: "created" });
    expect((await rest.ports(doc.uuid)).map((p) => p.address).sort()).toEqual([...macs].sort());
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
    expect(await rest.findNode(doc.uuid)).toBeUndefined();
    for (const mac of macs)
      expect((await rest.call<{ ports: unknown[] }>("GET", `/v1/ports?address=${mac}`)).ports).toEqual([]);
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull(); // already gone: success
  });

  it("uses the existing node when a server with those MACs is already enrolled", async () => {
    const node = await createNode(rest, `${PREFIX}-known`);
    const r = await h.createVm({ macs: node.macs, ironic_params: { driver: "fake-hardware" } });
    expect(r.error).toBeNull();
    const [vmCid] = r.result as [string];
    expect((await rest.vmNode(vmCid)).uuid).toBe(node.uuid);
    expect((await rest.node(node.uuid)).extra["bosh"]).toMatchObject({ source: "available" });
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
    expect(await rest.findNode(node.uuid)).toBeDefined(); // not ours to delete
  });
});

describe("deploy options", () => {
  it("writes root device hints and boot mode into instance_info, network_data for a DHCP-less ramdisk, and restores it", async () => {
    const node = await createNode(rest, `${PREFIX}-opts`);
    const r = await h.createVm({
      macs: node.macs,
      root_device: { wwn: "0x5000c500a1b2c3d4" },
      boot_mode: "uefi",
      provisioning_network: "default",
    });
    expect(r.error).toBeNull();
    const doc = await rest.node(node.uuid);
    expect(doc["instance_info"]).toMatchObject({
      root_device: { wwn: "0x5000c500a1b2c3d4" },
      capabilities: { boot_mode: "uefi" },
    });
    expect(doc["network_data"]).toMatchObject({
      links: [expect.objectContaining({ ethernet_mac_address: node.macs[0] })],
      networks: [expect.objectContaining({ ip_address: "10.0.0.10" })],
    });
    expect(doc.extra["bosh"]).toMatchObject({ restore: { network_data: {} } });
    expect((await h.call("delete_vm", [(r.result as [string])[0]])).error).toBeNull();
    expect((await rest.node(node.uuid))["network_data"]).toEqual({});
  });
});

describe("the other VM methods", () => {
  it("reboot_vm powers the server on; set_vm_metadata records metadata and a description", async () => {
    const node = await createNode(rest, `${PREFIX}-meta`);
    const r = await h.createVm({ macs: node.macs });
    expect(r.error).toBeNull();
    const [vmCid] = r.result as [string];
    live.push(vmCid);
    expect((await h.call("reboot_vm", [vmCid])).error).toBeNull();
    expect((await rest.node(node.uuid)).power_state).toBe("power on");
    const meta = {
      director: "d",
      deployment: "cf",
      instance_group: "router",
      index: "2",
      id: "abc",
      name: "router/abc",
    };
    expect((await h.call("set_vm_metadata", [vmCid, meta])).error).toBeNull();
    const doc = await rest.node(node.uuid);
    expect(doc["description"]).toBe("cf/router/2");
    expect(doc.extra["bosh"]).toMatchObject({ metadata: meta, phase: "created", acknowledged_at: expect.any(String) });
    expect(doc.name).toBe(node.name); // the operator's name is kept (2016 bug #24)
    live.pop();
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
  });

  it("has_vm is false (not an error) for unknown nodes and non-UUID cids; reboot_vm of one is VMNotFound", async () => {
    expect(await h.call("has_vm", [randomUUID()])).toMatchObject({ result: false, error: null });
    expect(await h.call("has_vm", ["not-a-uuid"])).toMatchObject({ result: false, error: null });
    expect((await h.call("reboot_vm", [randomUUID()])).error).toMatchObject({ type: "Bosh::Clouds::VMNotFound" });
    expect((await h.call("set_vm_metadata", [randomUUID(), { a: "b" }])).error).toBeNull(); // best effort
  });

  it("calculate_vm_cloud_properties answers an ironic_properties selector", async () => {
    const r = await h.call("calculate_vm_cloud_properties", [{ cpu: 4, ram: 8192, ephemeral_disk_size: 10_000 }]);
    expect(r.result).toEqual({ ironic_properties: { cpus: 4, memory_mb: 8192, local_gb: 10 } });
  });
});
