// services/disk/create.ts: create_disk. On a VM's node: the first candidate device that is not the root,
// holds no live disk, is not dirty and is big enough when its size is known, recorded with automated
// cleaning held off in the same PATCH; two calls that picked one device settle it by record age, a bounded
// number of times. Without a VM (disk first): a free server with a fitting device, reserved for the disk in
// the claim's PATCH. No device anywhere is NoDiskSpace with every reason; an Ironic without per-node
// automated_clean is refused before anything is written.
import { describe, expect, it } from "vitest";
import { deviceTag, parseDiskCid } from "../../../../src/devices/cid.ts";
import { IronicNodeAssociated } from "../../../../src/ironic/errors.ts";
import { CloudError, NoDiskSpace, VmNotFound } from "../../../../src/protocol/errors.ts";
import { parseDiskCloudProperties } from "../../../../src/services/disk/cloud-properties.ts";
import { createOnVm, createReserved } from "../../../../src/services/disk/create.ts";
import { uuidV5 } from "../../../../src/services/pool/claim-id.ts";
import { type FakeIronic, type FakeNode, diskDeps, fakeIronic, vmCidOf, vmNode } from "../fake-ironic.ts";

const NODE = "11111111-1111-4111-8111-111111111111";
const VM = vmCidOf(NODE);
const P = (i: number) => `/dev/disk/by-path/p-${i}`;
const props = (raw: Record<string, unknown>) => parseDiskCloudProperties(raw, []);
const patches = (fake: FakeIronic) => fake.calls.filter((c) => c.startsWith("PATCH"));
const disks = (fake: FakeIronic, uuid: string) =>
  (fake.node(uuid).extra?.["bosh_disks"] ?? {}) as Record<string, Record<string, unknown>>;
const thrown = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

function withVm(over: Partial<FakeNode> = {}, version?: string) {
  const fake = fakeIronic(version ? { version } : {});
  fake.add({ ...vmNode(NODE), ...over });
  return { fake, deps: diskDeps(fake) };
}

describe("create_disk on a VM's node", () => {
  it("takes the first free, clean, big enough device; record and cleaning hold in one PATCH", async () => {
    const dirty = { [deviceTag(P(3))]: { device: P(3), since: "2026-11-21T11:00:00Z", disk_cid: "disk-old" } };
    const { fake, deps } = withVm({
      properties: {
        bosh_persistent_devices: [
          { device: P(2), size_gb: 1 },
          { device: P(3), size_gb: 100 },
          { device: P(4), size_gb: 100 },
        ],
      },
      extra: { ...vmNode(NODE).extra, bosh_dirty_devices: dirty },
    });
    const cid = await createOnVm(deps, 10_240, props({ devices: [P(2), P(3), P(4)], name: "dyn" }), VM);
    expect(parseDiskCid(cid)).toMatchObject({ nodeUuid: NODE, deviceTag: deviceTag(P(4)) });
    expect(disks(fake, NODE)[cid]).toEqual({
      device: P(4),
      path: P(4),
      size_mib: 10_240,
      capacity_mib: 102_400,
      attached: false,
      state: "live",
      metadata: {},
      created_at: expect.any(String),
      vm_cid: VM,
      name: "dyn",
    });
    expect(fake.node(NODE).automated_clean).toBe(false);
    expect(fake.node(NODE).extra?.["bosh_clean_hold"]).toMatchObject({ automated_clean: true });
    expect(patches(fake)).toEqual([
      `PATCH ${NODE} add /extra/bosh_disks, add /extra/bosh_clean_hold, add /automated_clean`,
    ]);
    // every hint was declared with its size: no inventory read
    expect(fake.calls.filter((c) => c.startsWith("INVENTORY"))).toEqual([]);
  });

  it("a serial is resolved to its stable path through Ironic's inventory, which also gives the capacity", async () => {
    const { fake, deps } = withVm({
      inventory: {
        disks: [
          { name: "/dev/sda", size: 500 * 2 ** 30, serial: "ROOT", by_path: P(1) },
          { name: "/dev/sdb", size: 2 * 2 ** 30, serial: "DATA", by_path: P(2) },
        ],
      },
    });
    const tooBig = await thrown(createOnVm(deps, 4096, props({ device: "serial:DATA" }), VM));
    expect(tooBig).toBeInstanceOf(NoDiskSpace);
    expect(tooBig!.message).toBe(
      `no device for a 4096 MiB persistent disk on node ${NODE}: serial:DATA has 2048 MiB, 4096 MiB asked`,
    );
    const cid = await createOnVm(deps, 1024, props({ device: "serial:DATA" }), VM);
    expect(disks(fake, NODE)[cid]).toMatchObject({ device: "serial:DATA", path: P(2), capacity_mib: 2048 });
    expect(fake.calls).toContain(`INVENTORY ${NODE}`);
  });

  it("no device: NoDiskSpace (not retryable) naming each candidate's reason; nothing written", async () => {
    const { fake, deps } = withVm();
    const err = await thrown(createOnVm(deps, 1, props({ devices: ["/dev/sda", "serial:NOPE"] }), VM));
    expect(err).toBeInstanceOf(NoDiskSpace);
    expect((err as NoDiskSpace).okToRetry).toBe(false);
    expect(err!.message).toBe(
      `no device for a 1 MiB persistent disk on node ${NODE}: /dev/sda is the root device; ` +
        "serial:NOPE is not in the node's inventory, so its device path is unknown",
    );
    const none = await thrown(createOnVm(deps, 1, props({}), VM));
    expect(none!.message).toMatch(/\(none\) no persistent device configured: set disk_type cloud_properties/);
    expect(patches(fake)).toEqual([]);
  });

  it("a node whose cleaning is already off keeps it: the hold remembers false and no automated_clean op is sent", async () => {
    const { fake, deps } = withVm({ automated_clean: false });
    await createOnVm(deps, 1, props({ device: P(2) }), VM);
    expect(fake.node(NODE).extra?.["bosh_clean_hold"]).toMatchObject({ automated_clean: false });
    expect(patches(fake)).toEqual([`PATCH ${NODE} add /extra/bosh_disks, add /extra/bosh_clean_hold`]);
  });

  it("an Ironic without per-node automated_clean (before 1.47) is refused before anything is read or written", async () => {
    const { fake, deps } = withVm({}, "1.46");
    const err = await thrown(createOnVm(deps, 1, props({ device: P(2) }), VM));
    expect(err).toBeInstanceOf(CloudError);
    expect(err!.message).toMatch(/no per-node automated_clean \(needs 1\.47\): a persistent disk would be erased/);
    expect(fake.calls).toEqual([]);
  });

  it("a VM no node holds is VmNotFound", async () => {
    const { deps } = withVm();
    await expect(
      createOnVm(deps, 1, props({ device: P(2) }), vmCidOf("22222222-2222-4222-8222-222222222222")),
    ).rejects.toThrow(VmNotFound);
  });

  it("losing the device to an older rival record three times in a row gives up with a retryable-by-hand CloudError", async () => {
    const { fake, deps } = withVm();
    const nodes = fake.client.nodes as unknown as { patch: (id: string, ops: { path: string }[]) => Promise<unknown> };
    const patch = nodes.patch;
    let rivals = 0;
    nodes.patch = async (id, ops) => {
      const out = await patch(id, ops);
      const mine = Object.entries(disks(fake, NODE)).find(([c]) => !c.startsWith("rival"));
      if (mine && ops.some((o) => o.path.startsWith("/extra/bosh_disks"))) {
        // another create_disk wrote the same device a moment earlier
        disks(fake, NODE)[`rival-${++rivals}`] = { ...mine[1], created_at: "2000-01-01T00:00:00.000Z" };
      }
      return out;
    };
    const err = await thrown(createOnVm(deps, 1, props({ devices: [P(2), P(3), P(4), P(5)] }), VM));
    expect(err).toBeInstanceOf(CloudError);
    expect(err!.message).toBe(`create_disk lost the device race on node ${NODE} 3 times; try again`);
    expect(rivals).toBe(3);
    // each loser removed its own record: only the rivals remain, on three different devices
    expect(Object.keys(disks(fake, NODE)).sort()).toEqual(["rival-1", "rival-2", "rival-3"]);
    expect(new Set(Object.values(disks(fake, NODE)).map((d) => d["device"]))).toEqual(new Set([P(2), P(3), P(4)]));
  });
});

describe("create_disk without a VM (disk first)", () => {
  const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  const devices = (size_gb: number) => ({ bosh_persistent_devices: [{ device: P(2), size_gb }] });

  it("reserves a free server with a fitting device: claim, reservation record, disk record, cleaning hold in one PATCH", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: uuid(1), properties: devices(100), automated_clean: true });
    const cid = await createReserved(diskDeps(fake), 2048, props({}));
    expect(parseDiskCid(cid)?.nodeUuid).toBe(uuid(1));
    const node = fake.node(uuid(1));
    expect(node.instance_uuid).toBe(uuidV5(`bosh-disk:${cid}`));
    expect(node.extra?.["bosh"]).toMatchObject({
      phase: "reserved",
      reservation: `persistent disk ${cid} created without a VM`,
      disk_cids: [cid],
    });
    expect(disks(fake, uuid(1))[cid]).toMatchObject({ device: P(2), size_mib: 2048, state: "live", attached: false });
    expect(disks(fake, uuid(1))[cid]).not.toHaveProperty("vm_cid");
    expect(node.automated_clean).toBe(false);
    expect(patches(fake)).toEqual([
      `PATCH ${uuid(1)} add /instance_uuid, add /extra/bosh, add /extra/bosh_disks, add /extra/bosh_clean_hold, add /automated_clean`,
    ]);
  });

  it("only free servers count; with none fitting, NoDiskSpace counts what was listed and why devices failed", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: uuid(1), properties: devices(1) }); // too small
    fake.add({ uuid: uuid(2), properties: devices(1) }); // too small
    fake.add({ uuid: uuid(3), properties: devices(100), maintenance: true });
    fake.add({ uuid: uuid(4), properties: devices(100), provision_state: "manageable" });
    fake.add({ uuid: uuid(5), properties: devices(100), instance_uuid: "someone" });
    const live = { device: P(2), path: P(2), size_mib: 1, attached: false, state: "live", created_at: "x" };
    fake.add({ uuid: uuid(6), properties: devices(100), extra: { bosh_disks: { "disk-x": live } } });
    fake.add({ uuid: uuid(7), properties: devices(100), extra: { bosh: { phase: "deleting" } } });
    const err = await thrown(createReserved(diskDeps(fake), 2048, props({})));
    expect(err).toBeInstanceOf(NoDiskSpace);
    expect(err!.message).toBe(
      "no free server (available, not in maintenance, unclaimed, without persistent disks) has a device for a " +
        "2048 MiB disk: 2 free of 4 listed; devices rejected: 2 × has 1024 MiB, 2048 MiB asked",
    );
    expect(patches(fake)).toEqual([]);
  });

  it("a server another call reserved first (409 associated) is passed; the next one is reserved", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: uuid(1), properties: devices(100) });
    fake.add({ uuid: uuid(2), properties: devices(100) });
    fake.patchFailures.set(uuid(1), [
      new IronicNodeAssociated({ status: 409, method: "PATCH", url: "fake", ironicMessage: "associated" }),
    ]);
    // whichever server the random start picks first, the disk ends on the one not lost
    const cid = await createReserved(diskDeps(fake), 1024, props({}));
    expect(parseDiskCid(cid)?.nodeUuid).toBe(uuid(2));
    expect(fake.node(uuid(1)).instance_uuid).toBeNull();
    expect(disks(fake, uuid(1))).toEqual({});
  });

  it("an Ironic without per-node automated_clean is refused before any server is listed", async () => {
    const fake = fakeIronic({ version: "1.46" });
    fake.add({ uuid: uuid(1), properties: devices(100) });
    await expect(createReserved(diskDeps(fake), 1024, props({}))).rejects.toThrow(/needs 1\.47/);
    expect(fake.calls).toEqual([]);
  });
});
