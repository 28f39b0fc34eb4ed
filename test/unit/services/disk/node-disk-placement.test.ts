import { beforeEach, describe, expect, test } from "vitest";
import { CloudError, DiskNotFound, NoDiskSpace, VmCreationFailed } from "../../../../src/protocol/errors.ts";
import { boshRecord } from "../../../../src/selection/node-record.ts";
import { parseDiskCid } from "../../../../src/devices/cid.ts";
import { NodeDiskPlacement } from "../../../../src/services/disk/node-disk-placement.ts";
import { dirtyDevices } from "../../../../src/devices/records.ts";
import { Disks } from "../../../../src/services/disk/service.ts";
import { type FakeIronic, diskDeps, fakeIronic, vmCidOf, vmNode } from "../fake-ironic.ts";

const NODE = "11111111-1111-4111-8111-111111111111";
/** The VM on NODE: its cid names the claim, not the node. */
const VM = vmCidOf(NODE);
const FREE1 = "33333333-3333-4333-8333-333333333333";
const FREE2 = "55555555-5555-4555-8555-555555555555";
const PROPS = { device: "/dev/disk/by-path/p-2" };
const vm = (diskCids: string[]) => ({
  vmCid: VM,
  agentId: "agent-1",
  claimUuid: "aaaaaaaa-0000-4000-8000-000000000001",
  diskCids,
});

let fake: FakeIronic;
let disks: Disks;
let placement: NodeDiskPlacement;
const dirty = (uuid: string) => dirtyDevices(fake.node(uuid));
const extra = (uuid: string) => fake.node(uuid).extra as Record<string, Record<string, Record<string, unknown>>>;

beforeEach(() => {
  fake = fakeIronic();
  fake.add(vmNode(NODE));
  const deps = diskDeps(fake);
  disks = Disks.over(deps);
  placement = new NodeDiskPlacement(deps);
});

describe("nodeFor", () => {
  test("no disks: no placement; the disks' node otherwise", async () => {
    expect(await placement.nodeFor([])).toBeUndefined();
    const cid = await disks.create(1, PROPS, VM);
    expect(await placement.nodeFor([cid], VM)).toBe(NODE); // the VM holding the server: its own retry
  });

  test("a server another VM still holds (the director's create-swap-delete): VMCreationFailed naming vm_strategy delete-create", async () => {
    const cid = await disks.create(1, PROPS, VM);
    const e = await placement.nodeFor([cid], "c0ffee00-0000-4000-8000-000000000001").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VmCreationFailed);
    expect(e).toMatchObject({
      okToRetry: false,
      message: expect.stringMatching(new RegExp(`is still held by VM ${VM}: .*vm_strategy: delete-create`)),
    });
  });

  test("unknown disks: DiskNotFound before any claim", async () => {
    await expect(placement.nodeFor([`disk-${NODE}-0123abcd-zz`])).rejects.toThrow(DiskNotFound);
  });

  test("disks on two servers, or a server in maintenance: a clear CloudError", async () => {
    fake.add(vmNode(FREE1));
    const a = await disks.create(1, PROPS, VM);
    const b = await disks.create(1, PROPS, vmCidOf(FREE1));
    await expect(placement.nodeFor([a, b])).rejects.toThrow(/live on different servers/);
    fake.node(NODE).maintenance = true;
    await expect(placement.nodeFor([a])).rejects.toThrow(/is in maintenance and cannot take a VM/);
    fake.node(NODE).maintenance = false;
    fake.node(NODE).provision_state = "clean failed";
    await expect(placement.nodeFor([a])).rejects.toThrow(CloudError);
  });
});

describe("the VM lifecycle around live disks", () => {
  test("release with live disks: no cleaning, disks detached with the VM", async () => {
    const cid = await disks.create(1, PROPS, VM);
    await disks.attach(VM, cid);
    expect(await placement.beforeRelease(fake.node(NODE))).toEqual({ automatedClean: false });
    expect(extra(NODE)["bosh_disks"]![cid]).toMatchObject({ attached: false, state: "live" });
  });

  test("a VM claiming a node with its disks re-asserts automated_clean false", async () => {
    const cid = await disks.create(1, PROPS, VM);
    fake.node(NODE).automated_clean = true; // e.g. put back by a release
    await placement.onVmClaimed(fake.node(NODE), vm([cid]));
    expect(fake.node(NODE).automated_clean).toBe(false);
  });

  test("a VM claiming a node that holds disks it does not name is refused", async () => {
    await disks.create(1, PROPS, VM);
    await expect(placement.onVmClaimed(fake.node(NODE), vm([]))).rejects.toThrow(
      /holds persistent disks .* of another VM/,
    );
  });

  test("release with only dirty devices asks for cleaning; the next claim after a clean release confirms the wipe", async () => {
    const cid = await disks.create(1, PROPS, VM);
    await disks.delete(cid);
    expect(await placement.beforeRelease(fake.node(NODE))).toEqual({ automatedClean: true });
    expect(dirty(NODE).get("/dev/disk/by-path/p-2")).toHaveProperty("wipe_requested_at");
    // the NODE service undeploys with cleaning; Ironic answers available, later than the request
    await fake.client.states.provision(NODE, "deleted");
    await placement.onVmClaimed(fake.node(NODE), vm([]));
    expect(extra(NODE)["bosh_dirty_devices"]).toEqual({});
  });

  test("a release whose cleaning failed leaves the device dirty with the reason", async () => {
    const cid = await disks.create(1, PROPS, VM);
    await disks.delete(cid);
    await placement.beforeRelease(fake.node(NODE));
    fake.node(NODE).failClean = true;
    fake.node(NODE).automated_clean = true;
    await fake.client.states.provision(NODE, "deleted");
    expect(fake.node(NODE).provision_state).toBe("clean failed");
    await placement.beforeRelease(fake.node(NODE));
    expect(dirty(NODE).get("/dev/disk/by-path/p-2")).toMatchObject({ wipe_failed: "cleaning failed (fake)" });
  });

  test("release without disk books changes nothing", async () => {
    expect(await placement.beforeRelease(fake.node(NODE))).toEqual({});
    expect(fake.calls.some((c) => c.startsWith("PATCH"))).toBe(false);
  });
});

describe("disk first (create_disk without a VM)", () => {
  test("reserves a free server for the disk in the same PATCH; the disk then places the VM", async () => {
    fake.add({ uuid: FREE1, automated_clean: null });
    const cid = await disks.create(1, PROPS, null);
    expect(parseDiskCid(cid)?.nodeUuid).toBe(FREE1);
    const n = fake.node(FREE1);
    expect(n.instance_uuid).toBeTruthy();
    expect(boshRecord(n)).toMatchObject({ phase: "reserved", disk_cids: [cid] });
    expect(n.automated_clean).toBe(false);
    expect(fake.calls.filter((c) => c.startsWith(`PATCH ${FREE1} `))).toHaveLength(1);
    expect(await placement.nodeFor([cid])).toBe(FREE1);
  });

  test("servers with live disks, claimed or in maintenance are not free; none left: NoDiskSpace", async () => {
    fake.add({ uuid: FREE1, maintenance: true });
    await expect(disks.create(1, PROPS, null)).rejects.toThrow(NoDiskSpace);
    await expect(disks.create(1, PROPS, null)).rejects.toThrow(/0 free of 0 listed/);
  });

  test("deleting the reserved disk wipes the server (manage, provide with cleaning) and releases it", async () => {
    fake.add({ uuid: FREE1, automated_clean: null });
    const cid = await disks.create(1, PROPS, null);
    await disks.delete(cid);
    const n = fake.node(FREE1);
    expect(fake.calls.filter((c) => c.startsWith("PROVISION"))).toEqual([
      `PROVISION ${FREE1} manage`,
      `PROVISION ${FREE1} provide`,
    ]);
    expect(n).toMatchObject({ provision_state: "available", instance_uuid: null, automated_clean: null });
    expect(n.extra).toEqual({ bosh_disks: {}, bosh_dirty_devices: {} });
  });

  test.each([
    ["a failed clean step: Ironic's maintenance and reason stay", true, "cleaning failed (fake)"],
    ["a failure outside the steps: the CPI sets maintenance", "without maintenance", undefined],
  ] as const)(
    "a failed wipe (%s): maintenance for the operator, device stays dirty, nothing left claimed",
    async (_, failClean, ironicReason) => {
      fake.add({ uuid: FREE2, automated_clean: false, failClean });
      const cid = await disks.create(1, PROPS, null);
      await disks.delete(cid);
      const n = fake.node(FREE2);
      expect(n).toMatchObject({
        provision_state: "clean failed",
        maintenance: true,
        instance_uuid: null,
        automated_clean: true,
      });
      if (ironicReason) expect(n.maintenance_reason).toBe(ironicReason);
      else expect(n.maintenance_reason).toMatch(/^bosh: cleaning \(wipe of deleted persistent disks\) failed/);
      expect(dirty(FREE2).get("/dev/disk/by-path/p-2")).toMatchObject({
        disk_cid: cid,
        wipe_failed: "cleaning failed (fake)",
      });
      expect(boshRecord(n)).toBeUndefined();
    },
  );

  test("an orphan disk of a deleted VM on a free manageable server is wiped and the server goes back to manageable", async () => {
    const cid = await disks.create(1, PROPS, VM);
    Object.assign(fake.node(NODE), {
      provision_state: "manageable",
      instance_uuid: null,
      extra: { ...fake.node(NODE).extra, bosh: undefined },
    });
    delete (fake.node(NODE).extra as Record<string, unknown>)["bosh"];
    await disks.delete(cid);
    expect(fake.calls.filter((c) => c.startsWith("PROVISION"))).toEqual([
      `PROVISION ${NODE} provide`,
      `PROVISION ${NODE} manage`,
    ]);
    expect(fake.node(NODE)).toMatchObject({
      provision_state: "manageable",
      instance_uuid: null,
      automated_clean: true,
    });
    expect(extra(NODE)["bosh_dirty_devices"]).toEqual({});
  });
});
