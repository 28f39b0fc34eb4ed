import { beforeEach, describe, expect, test } from "vitest";
import { CloudError, DiskNotFound, NoDiskSpace, VmNotFound } from "../../../../src/protocol/errors.ts";
import { parseDiskCid } from "../../../../src/devices/cid.ts";
import type { DiskDeps } from "../../../../src/services/disk/deps.ts";
import { dirtyDevices } from "../../../../src/devices/records.ts";
import { Disks } from "../../../../src/services/disk/service.ts";
import { type FakeIronic, diskDeps, fakeIronic, vmCidOf, vmNode } from "../fake-ironic.ts";

const NODE = "11111111-1111-4111-8111-111111111111";
const OTHER_NODE = "22222222-2222-4222-8222-222222222222";
/** The VMs on those nodes: a VM cid names the claim, not the node. */
const VM = vmCidOf(NODE);
const OTHER = vmCidOf(OTHER_NODE);
const FREE = "33333333-3333-4333-8333-333333333333";
const PROPS = { devices: ["/dev/disk/by-path/p-2", "/dev/disk/by-path/p-3"] };

let fake: FakeIronic;
let deps: DiskDeps;
let disks: Disks;
const dirty = (uuid: string) => dirtyDevices(fake.node(uuid));
const extra = (uuid: string) => fake.node(uuid).extra as Record<string, Record<string, Record<string, unknown>>>;

beforeEach(() => {
  fake = fakeIronic();
  fake.add(vmNode(NODE));
  fake.add(vmNode(OTHER_NODE));
  deps = diskDeps(fake);
  disks = Disks.over(deps);
});

describe("create_disk on a VM", () => {
  test("takes the first free device, writes the record and turns automated_clean off in one PATCH", async () => {
    const cid = await disks.create(10_240, PROPS, VM);
    expect(parseDiskCid(cid)?.nodeUuid).toBe(NODE);
    expect(extra(NODE)["bosh_disks"]![cid]).toMatchObject({
      device: "/dev/disk/by-path/p-2",
      path: "/dev/disk/by-path/p-2",
      size_mib: 10_240,
      attached: false,
      state: "live",
      vm_cid: VM,
    });
    expect(fake.node(NODE).automated_clean).toBe(false);
    expect(extra(NODE)["bosh_clean_hold"]).toMatchObject({ automated_clean: true });
    expect(fake.calls.filter((c) => c.startsWith("PATCH"))).toHaveLength(1);
  });

  test("a second disk gets the next device; the hold remembers the value from before the first", async () => {
    const a = await disks.create(1, PROPS, VM);
    const b = await disks.create(1, PROPS, VM);
    expect(extra(NODE)["bosh_disks"]![b]).toMatchObject({ device: "/dev/disk/by-path/p-3" });
    expect(extra(NODE)["bosh_clean_hold"]).toMatchObject({ automated_clean: true });
    expect(a).not.toBe(b);
  });

  test("no free device: NoDiskSpace naming each device's reason", async () => {
    await disks.create(1, PROPS, VM);
    await disks.create(1, PROPS, VM);
    await expect(disks.create(1, PROPS, VM)).rejects.toThrow(NoDiskSpace);
    await expect(disks.create(1, PROPS, VM)).rejects.toThrow(
      /p-2 holds disk disk-.*; \/dev\/disk\/by-path\/p-3 holds disk/,
    );
  });

  test("declared capacity too small: NoDiskSpace; the node's declaration also supplies candidates", async () => {
    fake.node(NODE).properties = { bosh_persistent_devices: [{ device: "/dev/disk/by-path/decl", size_gb: 1 }] };
    await expect(disks.create(2048, {}, VM)).rejects.toThrow(/decl has 1024 MiB, 2048 MiB asked/);
    const cid = await disks.create(1024, {}, VM);
    expect(extra(NODE)["bosh_disks"]![cid]).toMatchObject({ device: "/dev/disk/by-path/decl", capacity_mib: 1024 });
  });

  test("no candidate anywhere: NoDiskSpace saying where to configure one", async () => {
    await expect(disks.create(1, {}, VM)).rejects.toThrow(/no persistent device configured/);
  });

  test("the CPI default applies when the disk_type names none", async () => {
    const d2 = Disks.over(
      diskDeps(fake, {
        configOverrides: { disks: { persistent_devices: ["/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"] } },
      }),
    );
    const cid = await d2.create(1, {}, VM);
    expect(extra(NODE)["bosh_disks"]![cid]).toMatchObject({ path: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4" });
  });

  test("an unknown VM is VmNotFound; a node reserved for disks is not a VM", async () => {
    await expect(disks.create(1, PROPS, "44444444-4444-4444-8444-444444444444")).rejects.toThrow(VmNotFound);
    fake.add({ uuid: FREE });
    await expect(disks.create(1, PROPS, FREE)).rejects.toThrow(VmNotFound);
  });

  test("an Ironic without per-node automated_clean refuses: the disk would be erased", async () => {
    const old = fakeIronic({ version: "1.46" });
    old.add(vmNode(NODE));
    await expect(Disks.over(diskDeps(old)).create(1, PROPS, VM)).rejects.toThrow(/automated_clean \(needs 1.47\)/);
  });
});

describe("attach, detach, has, get_disks, metadata", () => {
  test("attach answers the path hint, is idempotent, and get_disks lists it", async () => {
    const cid = await disks.create(1, PROPS, VM);
    expect(await disks.attach(VM, cid)).toEqual({ path: "/dev/disk/by-path/p-2" });
    const patches = fake.calls.filter((c) => c.startsWith("PATCH")).length;
    expect(await disks.attach(VM, cid)).toEqual({ path: "/dev/disk/by-path/p-2" });
    expect(fake.calls.filter((c) => c.startsWith("PATCH")).length).toBe(patches);
    expect(await disks.attached(VM)).toEqual([cid]);
    expect(extra(NODE)["bosh_disks"]![cid]).toMatchObject({ attached: true, vm_cid: VM });
  });

  test("attach to a VM on another server is refused: disks cannot move", async () => {
    const cid = await disks.create(1, PROPS, VM);
    const e = await disks.attach(OTHER, cid).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CloudError);
    expect((e as Error).message).toMatch(
      /bare metal cannot move disks; VM c1a1c1a1-2222.* runs on server 2222.*\. Recreate the VM with this disk in disk_cids/,
    );
  });

  test("unknown disks: attach DiskNotFound, has false, detach fine, metadata DiskNotFound", async () => {
    const ghost = `disk-${NODE}-0123abcd-zz`;
    await expect(disks.attach(VM, ghost)).rejects.toThrow(DiskNotFound);
    expect(await disks.has(ghost)).toBe(false);
    expect(await disks.has("not-a-disk-cid-of-ours")).toBe(false);
    expect(await disks.has(`disk-44444444-4444-4444-8444-444444444444-0123abcd-zz`)).toBe(false);
    await expect(disks.detach(VM, ghost)).resolves.toBeUndefined();
    await expect(disks.setMetadata(ghost, { a: "b" })).rejects.toThrow(DiskNotFound);
  });

  test("detach marks it detached; detaching again is no error; get_disks answers []", async () => {
    const cid = await disks.create(1, PROPS, VM);
    await disks.attach(VM, cid);
    await disks.detach(VM, cid);
    await disks.detach(VM, cid);
    expect(await disks.attached(VM)).toEqual([]);
    expect(await disks.has(cid)).toBe(true);
  });

  test("get_disks of an unknown VM is VmNotFound", async () => {
    await expect(disks.attached(FREE)).rejects.toThrow(VmNotFound);
  });

  test("metadata is merged onto the record", async () => {
    const cid = await disks.create(1, PROPS, VM);
    await disks.setMetadata(cid, { director: "d", deployment: "cf" });
    await disks.setMetadata(cid, { attached_at: "now" });
    expect(extra(NODE)["bosh_disks"]![cid]!["metadata"]).toEqual({
      director: "d",
      deployment: "cf",
      attached_at: "now",
    });
  });

  test("with the registry in use (v1 stemcell) attach and detach keep disks.persistent in step", async () => {
    const stored: Record<string, Record<string, { path: string }>> = { [VM]: { other: { path: "/x" } } };
    const settings = {
      updatePersistentDisks: async (
        vm: string,
        f: (d: Record<string, { path: string }>) => Record<string, { path: string }>,
      ) => {
        stored[vm] = f(stored[vm] ?? {});
      },
    };
    const d1 = Disks.over(
      diskDeps(fake, {
        settings,
        configOverrides: {
          registry: { endpoint: "http://registry.example:25777", store: { url: "http://127.0.0.2:9/registry-store/" } },
        },
      }),
    );
    const cid = await d1.create(1, PROPS, VM);
    await d1.attach(VM, cid, { stemcellApiVersion: 1 });
    expect(stored[VM]).toEqual({ other: { path: "/x" }, [cid]: { path: "/dev/disk/by-path/p-2" } });
    await d1.detach(VM, cid, { stemcellApiVersion: 1 });
    expect(stored[VM]).toEqual({ other: { path: "/x" } });
    await d1.attach(VM, cid, { stemcellApiVersion: 2 });
    expect(stored[VM]).toEqual({ other: { path: "/x" } });
  });
});

describe("delete_disk", () => {
  test("removes the record, marks the device dirty, gives automated_clean back with the last disk", async () => {
    const a = await disks.create(1, PROPS, VM);
    const b = await disks.create(1, PROPS, VM);
    await disks.delete(a);
    expect(await disks.has(a)).toBe(false);
    expect(dirty(NODE).get("/dev/disk/by-path/p-2")).toMatchObject({ disk_cid: a });
    expect(fake.node(NODE).automated_clean).toBe(false);
    await disks.delete(b);
    expect(fake.node(NODE).automated_clean).toBe(true);
    expect(extra(NODE)["bosh_clean_hold"]).toBeUndefined();
    expect([...dirty(NODE).keys()].sort()).toEqual(["/dev/disk/by-path/p-2", "/dev/disk/by-path/p-3"]);
  });

  test("is idempotent through DiskNotFound", async () => {
    const a = await disks.create(1, PROPS, VM);
    await disks.delete(a);
    await expect(disks.delete(a)).rejects.toThrow(DiskNotFound);
  });

  test("a dirty device is not handed out again while a VM holds the node: NoDiskSpace says why", async () => {
    const a = await disks.create(1, { device: "/dev/disk/by-path/p-2" }, VM);
    await disks.delete(a);
    await expect(disks.create(1, { device: "/dev/disk/by-path/p-2" }, VM)).rejects.toThrow(
      /was used by deleted disk .* and is not wiped yet/,
    );
    expect(fake.calls.some((c) => c.startsWith("PROVISION"))).toBe(false);
  });
});

describe("two create_disk calls racing for one device", () => {
  test("the older record keeps the device; the younger removes itself and takes the next one", async () => {
    const nodes = fake.client.nodes as unknown as { patch: (id: string, ops: unknown[]) => Promise<unknown> };
    const patch = nodes.patch;
    let injected = false;
    nodes.patch = async (id, ops) => {
      const out = await patch(id, ops);
      if (!injected) {
        injected = true; // a rival wrote the same device a moment earlier
        const rival = {
          device: "/dev/disk/by-path/p-2",
          path: "/dev/disk/by-path/p-2",
          size_mib: 1,
          attached: false,
          state: "live",
          metadata: {},
          created_at: "2000-01-01T00:00:00.000Z",
        };
        (fake.node(NODE).extra as Record<string, Record<string, unknown>>)["bosh_disks"]!["disk-rival"] = rival;
      }
      return out;
    };
    const cid = await disks.create(1, PROPS, VM);
    expect(Object.keys(extra(NODE)["bosh_disks"]!).sort()).toEqual([cid, "disk-rival"].sort());
    expect(extra(NODE)["bosh_disks"]![cid]).toMatchObject({ device: "/dev/disk/by-path/p-3" });
  });
});
