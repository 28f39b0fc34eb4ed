// Data safety of persistent disks against the real Ironic: a cleaning that fails (real: a node whose
// cleaning cannot even start), capacity and the root device from Ironic's inventory, the records as an
// operator reads them with the Ironic CLI, and automated_clean with the CPI's automated_clean: true.
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  IronicRest,
  claimedWithoutVm,
  createNode,
  nodesOf,
  removeNodes,
  setInventory,
  uniqueTag,
} from "../support/ironic-fixtures.ts";
import { ironicUrl } from "../support/servers.ts";
import { cleaningsOf, ok } from "./disks-support.ts";
import { type Harness, harness, vmConfig } from "./vm-support.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `dsf-${uniqueTag()}`;
const NETWORKS = {
  default: {
    type: "manual",
    ip: "10.0.0.30",
    netmask: "255.255.255.0",
    gateway: "10.0.0.1",
    default: ["dns", "gateway"],
    cloud_properties: {},
  },
};
const GB = 1000 ** 3;
let h: Harness;
let vms: string[] = [];

const createVm = async (hh: Harness, props: Record<string, unknown>, diskCids: string[] = []) => {
  const [vmCid] = ok<[string]>(await hh.createVm(props, { diskCids }));
  vms.push(vmCid);
  return vmCid;
};
const deleteVm = async (hh: Harness, vmCid: string) => {
  ok(await hh.call("delete_vm", [vmCid]));
  vms = vms.filter((v) => v !== vmCid);
};
const dirtyOf = (extra: Record<string, unknown>) =>
  Object.fromEntries(
    Object.values((extra["bosh_dirty_devices"] ?? {}) as Record<string, Record<string, unknown>>).map((e) => [
      e["device"] as string,
      e,
    ]),
  );

beforeAll(() => {
  h = harness(vmConfig(), { disks: true, networks: NETWORKS });
});
afterEach(async () => {
  const nodes = await nodesOf(rest, PREFIX);
  const offenders = claimedWithoutVm(nodes, vms);
  for (const n of nodes) await rest.forceDelete(n.uuid);
  vms = [];
  expect(offenders).toEqual([]);
});
afterAll(async () => {
  await removeNodes(rest, PREFIX);
});

describe("a wipe whose cleaning fails", () => {
  it("leaves the node in maintenance for the operator, the device dirty with the reason, nothing claimed", async () => {
    const device = `/dev/disk/by-path/fail-${uniqueTag()}`;
    const node = await createNode(rest, `${PREFIX}-fail`, {
      properties: { bosh_persistent_devices: [{ device, size_gb: 10 }] },
    });
    // Real failure: with the pxe boot and direct (agent) deploy interfaces and no deploy ramdisk, Ironic cannot
    // prepare the node for cleaning ("Failed to prepare node … for cleaning") and puts it in clean failed.
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [
      { op: "add", path: "/boot_interface", value: "pxe" },
      { op: "add", path: "/deploy_interface", value: "direct" },
    ]);
    const cid = ok<string>(await h.call("create_disk", [1024, {}, null]));
    expect(cid).toContain(node.uuid);
    expect((await h.call("delete_disk", [cid])).error).toBeNull(); // the disk is gone; the server's trouble is logged
    const n = await rest.node(node.uuid);
    expect(n).toMatchObject({
      provision_state: "clean failed",
      maintenance: true,
      instance_uuid: null,
      automated_clean: true,
    });
    expect(n["maintenance_reason"]).toMatch(
      /^bosh: cleaning \(wipe of deleted persistent disks\) failed: Failed to prepare node/,
    );
    expect(dirtyOf(n.extra)[device]).toMatchObject({
      disk_cid: cid,
      wipe_failed: expect.stringMatching(/Failed to prepare node/),
    });
    expect(n.extra["bosh"]).toBeUndefined();
    expect(ok(await h.call("has_disk", [cid]))).toBe(false);
  });
});

describe("capacity and the root device from Ironic's inventory", () => {
  it("refuses a device too small or the root device, records the capacity, resolves a serial to its by-path link", async () => {
    const node = await createNode(rest, `${PREFIX}-inv`);
    const root = `/dev/disk/by-path/root-${uniqueTag()}`;
    const data = `/dev/disk/by-path/data-${uniqueTag()}`;
    setInventory(node.uuid, {
      disks: [
        { name: "/dev/sda", size: 480 * GB, serial: "ROOT-1", by_path: root },
        { name: "/dev/sdb", size: 960 * GB, serial: "DATA-2", wwn: "0x5000c500a1b2c3d4", by_path: data },
      ],
    });
    const vm = await createVm(h, { macs: node.macs });
    const tooBig = await h.call("create_disk", [2_000_000, { device: data }, vm]);
    expect(tooBig.error).toMatchObject({ type: "Bosh::Clouds::NoDiskSpace" });
    expect(tooBig.error!.message).toContain(`${data} has ${Math.floor((960 * GB) / 2 ** 20)} MiB, 2000000 MiB asked`);
    expect((await h.call("create_disk", [1024, { device: root }, vm])).error!.message).toContain(
      `${root} is the root device`,
    );
    const cid = ok<string>(await h.call("create_disk", [500_000, { devices: [root, "serial:DATA-2"] }, vm]));
    expect(ok(await h.call("attach_disk", [vm, cid]))).toEqual({ path: data });
    const rec = ((await rest.node(node.uuid)).extra["bosh_disks"] as Record<string, Record<string, unknown>>)[cid];
    expect(rec).toMatchObject({
      device: "serial:DATA-2",
      path: data,
      capacity_mib: Math.floor((960 * GB) / 2 ** 20),
      size_mib: 500_000,
    });
    await deleteVm(h, vm);
  });
});

describe("records an operator reads with the Ironic CLI", () => {
  it("`baremetal node show -c extra` shows the disk, its device, size, attachment and the cleaning hold", async () => {
    const node = await createNode(rest, `${PREFIX}-cli`);
    const vm = await createVm(h, { macs: node.macs });
    const cid = ok<string>(
      await h.call("create_disk", [4096, { device: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d5" }, vm]),
    );
    ok(await h.call("attach_disk", [vm, cid]));
    ok(await h.call("set_disk_metadata", [cid, { deployment: "cf", instance_group: "db" }]));
    const out = execFileSync(
      "baremetal",
      ["node", "show", node.uuid, "-f", "json", "-c", "extra", "-c", "automated_clean"],
      {
        env: { ...process.env, OS_ENDPOINT: ironicUrl(), OS_AUTH_TYPE: "none", OS_BAREMETAL_API_VERSION: "latest" },
        encoding: "utf8",
      },
    );
    const shown = JSON.parse(out) as {
      extra: Record<string, Record<string, Record<string, unknown>>>;
      automated_clean: boolean;
    };
    expect(shown.automated_clean).toBe(false);
    expect(shown.extra["bosh_disks"]![cid]).toMatchObject({
      device: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d5",
      path: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d5",
      size_mib: 4096,
      attached: true,
      state: "live",
      vm_cid: vm,
      metadata: { deployment: "cf", instance_group: "db" },
    });
    expect(shown.extra["bosh_clean_hold"]).toMatchObject({ automated_clean: null });
    await deleteVm(h, vm);
  });
});

describe("with automated_clean: true in the CPI config", () => {
  const config = () => vmConfig({ automated_clean: true });

  it("a recreate never cleans the node holding the disk, and its last disk brings cleaning back", async () => {
    const hh = harness(config(), { disks: true, networks: NETWORKS });
    const node = await createNode(rest, `${PREFIX}-ac`);
    const vm1 = await createVm(hh, { macs: node.macs });
    expect((await rest.node(node.uuid))["automated_clean"]).toBe(true);
    const cid = ok<string>(await hh.call("create_disk", [1024, { device: "/dev/disk/by-path/ac-2" }, vm1]));
    expect((await rest.node(node.uuid))["automated_clean"]).toBe(false);
    const before = cleaningsOf(node.uuid);
    await deleteVm(hh, vm1);
    const vm2 = await createVm(hh, { macs: node.macs }, [cid]);
    expect(ok(await hh.call("get_disks", [vm2]))).toEqual([]);
    expect(ok(await hh.call("attach_disk", [vm2, cid]))).toEqual({ path: "/dev/disk/by-path/ac-2" });
    await deleteVm(hh, vm2);
    expect(cleaningsOf(node.uuid)).toBe(before);
    ok(await hh.call("delete_disk", [cid])); // no VM: wiped now
    expect(cleaningsOf(node.uuid)).toBe(before + 1);
    expect((await rest.node(node.uuid)).extra["bosh_dirty_devices"]).toEqual({});
  });

  // The VM side neither sets automated_clean at the claim nor restores it at release while disks hold the
  // node (selection/node-record.ts disksHoldCleaning): a `provide` would otherwise erase the disk.
  it("keeps automated_clean false on a node with a live disk across delete_vm and create_vm", async () => {
    const hh = harness(config(), { disks: true, networks: NETWORKS });
    const node = await createNode(rest, `${PREFIX}-acgap`);
    const vm1 = await createVm(hh, { macs: node.macs });
    const cid = ok<string>(await hh.call("create_disk", [1024, { device: "/dev/disk/by-path/ac-2" }, vm1]));
    try {
      await deleteVm(hh, vm1);
      expect((await rest.node(node.uuid))["automated_clean"]).toBe(false);
      const vm2 = await createVm(hh, { macs: node.macs }, [cid]);
      expect((await rest.vmNode(vm2))["automated_clean"]).toBe(false);
    } finally {
      for (const v of [...vms]) await deleteVm(hh, v);
      ok(await hh.call("delete_disk", [cid]));
    }
  });
});
