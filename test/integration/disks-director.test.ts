// The director's persistent-disk sequences (bosh-cpi-contract.md §3.3) against the real Ironic, through the
// real dispatcher and the real create_vm/delete_vm: deploy with a disk, recreate with disk_cids (same server,
// data never cleaned), a size change via a second disk, orphan deletion and the wipe that follows. After every
// test: no node claimed without a VM, no disk record lost.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  IronicRest,
  claimedWithoutVm,
  createNode,
  createNodes,
  nodesOf,
  removeNodes,
  uniqueTag,
} from "../support/ironic-fixtures.ts";
import { ironicUrl } from "../support/servers.ts";
import { cleaningsOf, ok } from "./disks-support.ts";
import { type Harness, STEMCELL_CID, harness, vmConfig } from "./vm-support.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `dsk-${uniqueTag()}`;
const NETWORKS = {
  default: {
    type: "manual",
    ip: "10.0.0.20",
    netmask: "255.255.255.0",
    gateway: "10.0.0.1",
    default: ["dns", "gateway"],
    cloud_properties: {},
  },
};
const P2 = "/dev/disk/by-path/pci-0000:00:1f.2-ata-2";
const P3 = "/dev/disk/by-path/pci-0000:00:1f.2-ata-3";
const DISK_TYPE = { devices: [P2, P3] };
let h: Harness;
let vms: string[] = [];
/** disks a test expects to exist at its end (checked: not lost) */
let disks: string[] = [];

const createVm = async (props: Record<string, unknown>, diskCids: string[] = []) => {
  const [vmCid] = ok<[string]>(await h.createVm(props, { diskCids }));
  vms.push(vmCid);
  return vmCid;
};
const deleteVm = async (vmCid: string) => {
  ok(await h.call("delete_vm", [vmCid]));
  vms = vms.filter((v) => v !== vmCid);
};
const bosh = async (uuid: string) => {
  const n = await rest.node(uuid);
  // dirty devices are keyed by a tag of the device (Ironic's patch paths allow no "/"): re-key by device
  const dirty = Object.fromEntries(
    Object.values((n.extra["bosh_dirty_devices"] ?? {}) as Record<string, Record<string, unknown>>).map((e) => [
      e["device"] as string,
      e,
    ]),
  );
  return { node: n, disks: (n.extra["bosh_disks"] ?? {}) as Record<string, Record<string, unknown>>, dirty };
};

beforeAll(() => {
  h = harness(vmConfig(), { disks: true, networks: NETWORKS });
});
afterEach(async () => {
  const nodes = await nodesOf(rest, PREFIX);
  const offenders = claimedWithoutVm(nodes, vms).filter(
    (o) => !/"phase":"reserved"/.test(o) || !disks.some((d) => o.includes(d)),
  );
  const lost = disks.filter((cid) => !nodes.some((n) => cid in ((n.extra["bosh_disks"] ?? {}) as object)));
  for (const n of nodes) await rest.forceDelete(n.uuid); // every test starts from fresh servers
  vms = [];
  disks = [];
  expect(offenders).toEqual([]);
  expect(lost).toEqual([]);
});
afterAll(async () => {
  await removeNodes(rest, PREFIX);
});

describe("deploy with a disk, recreate, size change, orphan cleanup", () => {
  it("keeps the data across a recreate: same server, still attached after attach_disk, never cleaned", async () => {
    const rc = `rc-${uniqueTag()}`;
    const nodes = await createNodes(rest, `${PREFIX}-seq`, 3, { resource_class: rc });
    const props = { resource_class: rc };

    // deploy: create_vm → create_disk → attach_disk → set_disk_metadata
    const vm1 = await createVm(props);
    const node1 = (await rest.vmNode(vm1)).uuid; // the VM's cid names its claim; the disk's names the server
    const cid = ok<string>(await h.call("create_disk", [10_240, DISK_TYPE, vm1]));
    disks.push(cid);
    expect(cid).toContain(node1);
    expect(ok(await h.call("attach_disk", [vm1, cid]))).toEqual({ path: P2 });
    ok(
      await h.call("set_disk_metadata", [
        cid,
        { director: "d", deployment: "cf", instance_group: "db", attached_at: "2026-11-21T12:00:00Z" },
      ]),
    );
    expect(ok(await h.call("get_disks", [vm1]))).toEqual([cid]);
    let b = await bosh(node1);
    expect(b.disks[cid]).toMatchObject({
      device: P2,
      path: P2,
      size_mib: 10_240,
      attached: true,
      state: "live",
      vm_cid: vm1,
      metadata: { deployment: "cf" },
    });
    expect(b.node["automated_clean"]).toBe(false);
    expect(b.node.extra["bosh_clean_hold"]).toMatchObject({ automated_clean: null });
    const cleanedBefore = cleaningsOf(node1);

    // recreate: detach → delete_vm → create_vm(disk_cids) → attach
    ok(await h.call("detach_disk", [vm1, cid]));
    await deleteVm(vm1);
    b = await bosh(node1);
    expect(b.node.provision_state).toBe("available");
    expect(b.node.instance_uuid).toBeNull();
    expect(b.node["automated_clean"]).toBe(false); // the node holds a live disk: no provide/undeploy may clean it
    expect(b.disks[cid]).toMatchObject({ attached: false, state: "live" });
    // another create_vm that does not name the disk never gets this server
    const other = await createVm(props);
    expect((await rest.vmNode(other)).uuid).not.toBe(node1);
    const vm2 = await createVm(props, [cid]);
    expect((await rest.vmNode(vm2)).uuid).toBe(node1);
    expect(vm2).not.toBe(vm1); // a new provisioning of the same server
    expect(ok(await h.call("has_vm", [vm1]))).toBe(false);
    expect((await h.call("attach_disk", [vm1, cid])).error).toMatchObject({ type: "Bosh::Clouds::VMNotFound" });
    expect(ok(await h.call("attach_disk", [vm2, cid]))).toEqual({ path: P2 });
    expect(ok(await h.call("attach_disk", [vm2, cid]))).toEqual({ path: P2 }); // idempotent
    expect(ok(await h.call("get_disks", [vm2]))).toEqual([cid]);
    expect(cleaningsOf(node1)).toBe(cleanedBefore);
    expect((await bosh(node1)).disks[cid]).toMatchObject({
      metadata: { deployment: "cf" },
      created_at: b.disks[cid]!["created_at"],
    });

    // size change: create_disk(new) → attach both → detach old → orphan delete of old while the VM runs
    const bigger = ok<string>(await h.call("create_disk", [20_480, DISK_TYPE, vm2]));
    disks.push(bigger);
    expect(ok(await h.call("attach_disk", [vm2, bigger]))).toEqual({ path: P3 });
    expect(ok(await h.call("get_disks", [vm2]))).toEqual([cid, bigger].sort());
    ok(await h.call("detach_disk", [vm2, cid]));
    ok(await h.call("delete_disk", [cid]));
    disks = disks.filter((d) => d !== cid);
    expect(ok(await h.call("has_disk", [cid]))).toBe(false);
    expect((await h.call("delete_disk", [cid])).error).toMatchObject({ type: "Bosh::Clouds::DiskNotFound" });
    b = await bosh(node1);
    expect(b.dirty[P2]).toMatchObject({ disk_cid: cid });
    expect(b.node["automated_clean"]).toBe(false); // the bigger disk is live
    expect(ok(await h.call("get_disks", [vm2]))).toEqual([bigger]);
    expect(cleaningsOf(node1)).toBe(cleanedBefore);

    // a recreate still keeps the bigger disk (and does not clean: a live disk outweighs a dirty device)
    await deleteVm(vm2);
    expect(cleaningsOf(node1)).toBe(cleanedBefore);
    await deleteVm(other);
    expect(nodes.map((n) => n.uuid)).toContain(node1);
  });

  it("deleting the last disk of a server no VM holds wipes it with cleaning and gives automated_clean back", async () => {
    const node = await createNode(rest, `${PREFIX}-wipe`);
    const vm = await createVm({ macs: node.macs });
    const cid = ok<string>(await h.call("create_disk", [1024, DISK_TYPE, vm]));
    ok(await h.call("attach_disk", [vm, cid]));
    await deleteVm(vm); // delete_vm with the disk still attached: detached with the VM
    let b = await bosh(node.uuid);
    expect(b.disks[cid]).toMatchObject({ attached: false });
    const before = cleaningsOf(node.uuid);
    ok(await h.call("delete_disk", [cid])); // orphan cleanup after the deployment was deleted
    b = await bosh(node.uuid);
    expect(cleaningsOf(node.uuid)).toBe(before + 1);
    expect(b.node).toMatchObject({
      provision_state: "available",
      instance_uuid: null,
      automated_clean: null,
      maintenance: false,
    });
    expect(b.dirty).toEqual({});
    expect(b.disks).toEqual({});
    expect(b.node.extra["bosh"]).toBeUndefined();
    expect(b.node.extra["bosh_clean_hold"]).toBeUndefined();
  });

  it("refuses a dirty device until the release of the server cleaned it", async () => {
    const node = await createNode(rest, `${PREFIX}-dirty`);
    const only = { device: P2 };
    let vm = await createVm({ macs: node.macs });
    const first = ok<string>(await h.call("create_disk", [1024, only, vm]));
    ok(await h.call("delete_disk", [first]));
    const refused = await h.call("create_disk", [1024, only, vm]);
    expect(refused.error).toMatchObject({ type: "Bosh::Clouds::NoDiskSpace", ok_to_retry: false });
    expect(refused.error!.message).toMatch(
      /was used by deleted disk .* and is not wiped yet; it is wiped when the node is released without live disks/,
    );
    const before = cleaningsOf(node.uuid);
    // Ironic on MariaDB keeps whole seconds: a release within the second of the VM's deploy cannot be
    // told from no transition at all, and the wipe would (safely) stay unconfirmed. Servers take longer.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 50));
    await deleteVm(vm); // only a dirty device: this undeploy cleans
    expect(cleaningsOf(node.uuid)).toBe(before + 1);
    expect((await rest.node(node.uuid))["automated_clean"]).toBe(true); // turned on for this release's cleaning
    vm = await createVm({ macs: node.macs }); // the claim confirms the wipe and puts the node's setting back
    expect((await bosh(node.uuid)).dirty).toEqual({});
    expect((await rest.node(node.uuid))["automated_clean"]).toBeNull();
    const again = ok<string>(await h.call("create_disk", [1024, only, vm]));
    disks.push(again);
    expect((await bosh(node.uuid)).disks[again]).toMatchObject({ device: P2 });
  });
});

describe("disk first, wrong VM, not-found and idempotency cases", () => {
  it("create_disk without a VM reserves a server; the VM naming the disk takes it over", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNodes(rest, `${PREFIX}-first`, 2, { resource_class: rc });
    const cid = ok<string>(await h.call("create_disk", [1024, DISK_TYPE, null]));
    disks.push(cid);
    const reservedOn = cid.slice(5, 41);
    let b = await bosh(reservedOn);
    expect(b.node.extra["bosh"]).toMatchObject({ phase: "reserved", disk_cids: [cid] });
    expect(b.node.instance_uuid).toBeTruthy();
    expect(b.node["automated_clean"]).toBe(false);
    expect(ok(await h.call("has_disk", [cid]))).toBe(true);
    const vm = await createVm({ resource_class: rc }, [cid]);
    expect((await rest.vmNode(vm)).uuid).toBe(reservedOn);
    expect(ok(await h.call("attach_disk", [vm, cid]))).toEqual({ path: P2 });
    b = await bosh(reservedOn);
    expect(b.node.extra["bosh"]).toMatchObject({ phase: "created" });
    await deleteVm(vm);
    ok(await h.call("delete_disk", [cid]));
    disks = [];
    b = await bosh(reservedOn);
    expect(b.node).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(b.dirty).toEqual({});
  });

  it("deleting a reserved disk before any VM used it releases and wipes the server", async () => {
    const node = await createNode(rest, `${PREFIX}-resdel`, {
      properties: { bosh_persistent_devices: JSON.stringify([{ device: P3, size_gb: 100 }]) },
    });
    await expect(h.call("create_disk", [200 * 1024, {}, null])).resolves.toMatchObject({
      error: { type: "Bosh::Clouds::NoDiskSpace" },
    });
    const cid = ok<string>(await h.call("create_disk", [100 * 1024, {}, null]));
    expect(cid).toContain(node.uuid);
    expect((await bosh(node.uuid)).disks[cid]).toMatchObject({ device: P3, capacity_mib: 100 * 1024 });
    ok(await h.call("delete_disk", [cid]));
    const b = await bosh(node.uuid);
    expect(b.node).toMatchObject({ provision_state: "available", instance_uuid: null, automated_clean: null });
    expect(b.node.extra["bosh"]).toBeUndefined();
    expect(b.dirty).toEqual({});
  });

  it("attach to a VM on another server is refused; unknown disks are not found; empty answers are []", async () => {
    const [a, c] = await createNodes(rest, `${PREFIX}-two`, 2);
    const vmA = await createVm({ macs: a!.macs });
    const vmC = await createVm({ macs: c!.macs });
    const cid = ok<string>(await h.call("create_disk", [1024, DISK_TYPE, vmA]));
    disks.push(cid);
    const wrong = await h.call("attach_disk", [vmC, cid]);
    expect(wrong.error).toMatchObject({ type: "Bosh::Clouds::CloudError" });
    expect(wrong.error!.message).toMatch(/bare metal cannot move disks/);
    expect(ok(await h.call("get_disks", [vmC]))).toEqual([]);
    const ghost = `disk-${a!.uuid}-0123abcd-zz`;
    expect(ok(await h.call("has_disk", [ghost]))).toBe(false);
    expect(ok(await h.call("has_disk", ["some-foreign-disk-cid-123456"]))).toBe(false);
    expect((await h.call("attach_disk", [vmA, ghost])).error).toMatchObject({ type: "Bosh::Clouds::DiskNotFound" });
    expect((await h.call("delete_disk", [ghost])).error).toMatchObject({ type: "Bosh::Clouds::DiskNotFound" });
    expect((await h.call("set_disk_metadata", [ghost, { a: "b" }])).error).toMatchObject({
      type: "Bosh::Clouds::DiskNotFound",
    });
    expect(ok(await h.call("detach_disk", [vmA, ghost]))).toBeNull();
    expect(ok(await h.call("detach_disk", [vmA, cid]))).toBeNull(); // not attached: fine
    expect((await h.call("resize_disk", [cid, 2048])).error).toMatchObject({ type: "Bosh::Clouds::NotSupported" });
    expect((await h.call("update_disk", [cid, 2048, {}])).error).toMatchObject({ type: "Bosh::Clouds::NotSupported" });
    expect((await h.call("snapshot_disk", [cid, {}])).error).toMatchObject({ type: "Bosh::Clouds::NotImplemented" });
    const stray = await h.call("create_vm", [randomUUID(), STEMCELL_CID, { macs: a!.macs }, NETWORKS, [ghost], {}]);
    expect(stray.error!.message).toMatch(/not found/);
    expect(ok(await h.call("attach_disk", [vmA, cid]))).toEqual({ path: P2 });
    expect(ok(await h.call("attach_disk", [vmA, cid], { apiVersion: 1 }))).toBeNull();
  });

  it("v1 stemcells: attach and detach keep the registry's disks.persistent in step", async () => {
    const node = await createNode(rest, `${PREFIX}-v1`);
    const h1 = harness(
      vmConfig({
        registry: {
          mode: "always",
          endpoint: "http://registry.example:25777",
          store: { url: "http://127.0.0.2:9/registry/" },
        },
      }),
      { disks: true, networks: NETWORKS },
    );
    const [vm] = ok<[string]>(
      await h1.call("create_vm", [randomUUID(), STEMCELL_CID, { macs: node.macs }, NETWORKS, [], {}], {
        stemcellApiVersion: 1,
      }),
    );
    vms.push(vm);
    const cid = ok<string>(await h1.call("create_disk", [1024, DISK_TYPE, vm], { stemcellApiVersion: 1 }));
    disks.push(cid);
    expect(ok(await h1.call("attach_disk", [vm, cid], { apiVersion: 1, stemcellApiVersion: 1 }))).toBeNull();
    expect(h1.settings.records.get(vm)).toMatchObject({ disks: { persistent: { [cid]: { path: P2 } } } });
    ok(await h1.call("detach_disk", [vm, cid], { stemcellApiVersion: 1 }));
    expect((h1.settings.records.get(vm) as { disks: { persistent: object } }).disks.persistent).toEqual({});
  });
});
